"""Checks of the payment API's request bodies, answering LINE Pay's codes (2101, 2102, 1124)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from line_emulator.linepay.codes import Answer
from line_emulator.state import JsonObject


def json_object(raw: bytes, *, allow_empty: bool = False) -> JsonObject:
    if allow_empty and not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise Answer("2102") from None
    if not isinstance(body, dict):
        raise Answer("2102", "The body must be a JSON object.")
    return body


def number(value: Any, name: str) -> int:
    """An amount: LINE Pay takes numbers; the sandbox knows only integral ones (JPY has no decimals)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Answer("2101", f"[{name}] must be a number.")
    if isinstance(value, float):
        if not value.is_integer():
            raise Answer("1124", f"[{name}] {value} has decimals.")
        return int(value)
    return int(value)


def text(value: Any, name: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise Answer("2101", f"[{name}] must be a string of 1 to {max_length} characters.")
    return value


def http_url(value: Any, name: str) -> str:
    url = text(value, name, 1000)
    if urlsplit(url).scheme not in ("http", "https"):
        raise Answer("2101", f"[{name}] must be an http(s) URL.")
    return url


def checked_packages(value: Any) -> list[JsonObject]:
    if not isinstance(value, list) or not value:
        raise Answer("2101", "[packages] must be a non-empty list.")
    packages: list[JsonObject] = []
    for i, package in enumerate(value):
        if not isinstance(package, dict):
            raise Answer("2101", f"[packages[{i}]] must be an object.")
        products = package.get("products")
        if not isinstance(products, list) or not products:
            raise Answer("2101", f"[packages[{i}].products] must be a non-empty list.")
        checked: list[JsonObject] = []
        total = 0
        for j, product in enumerate(products):
            where = f"packages[{i}].products[{j}]"
            if not isinstance(product, dict):
                raise Answer("2101", f"[{where}] must be an object.")
            quantity = number(product.get("quantity"), f"{where}.quantity")
            price = number(product.get("price"), f"{where}.price")
            if quantity < 1 or price < 0:
                raise Answer("2101", f"[{where}] needs quantity >= 1 and price >= 0.")
            total += quantity * price
            checked.append(
                {"name": text(product.get("name"), f"{where}.name", 4000), "quantity": quantity, "price": price}
            )
        amount = number(package.get("amount"), f"packages[{i}].amount")
        if amount != total:
            raise Answer("1124", f"[packages[{i}].amount] {amount} is not the sum of its products.")
        entry: JsonObject = {"id": text(package.get("id"), f"packages[{i}].id", 50), "amount": amount}
        if package.get("name") is not None:
            entry["name"] = text(package.get("name"), f"packages[{i}].name", 100)
        entry["products"] = checked
        packages.append(entry)
    return packages
