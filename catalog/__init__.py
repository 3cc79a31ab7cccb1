"""The procedure catalog shipped with the application (procedures.yaml beside this file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from domain.catalog import Catalog, CatalogError, load_catalog

CATALOG_PATH = Path(__file__).with_name("procedures.yaml")

__all__ = ["CATALOG_PATH", "Catalog", "CatalogError", "default_catalog", "get_catalog", "load_catalog"]


@lru_cache
def default_catalog() -> Catalog:
    """The shipped catalog, validated once per process (raises CatalogError when it is broken)."""
    return load_catalog(CATALOG_PATH)


@lru_cache
def get_catalog() -> Catalog:
    """The catalog named by the CATALOG_PATH setting (the shipped one by default), loaded once per process.

    Workflows read it through this function, so a catalog change takes effect when workers restart;
    a conversation keeps the procedure code and answers it has, and an answer the new catalog no
    longer knows is asked again.
    """
    from config.settings import get_settings

    return load_catalog(get_settings().catalog_path)
