"""docker-compose.yml cannot run here (no Docker engine); its structure is checked instead."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import Settings
from config.temporal import SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
OUR_SERVICES = ("api", "worker", "emulator")
REQUIRED_SECRETS = (
    "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN",
    "USER_ID_HASH_KEY",
    "BLOB_KEYS",
    "SESSION_SECRET",
    "LINEPAY_CHANNEL_ID",
    "LINEPAY_CHANNEL_SECRET",
    "CERT_SIGNING_KEYS",
    "PAYLOAD_KEYS",
    "CODEC_TOKEN",
    "POSTGRES_PASSWORD",
    "PUBLIC_BASE_URL",
)
# `${VAR:?message}`: compose refuses to start while VAR is unset or empty.
REQUIRED_FORM = re.compile(r"\$\{([A-Z][A-Z0-9_]*):\?[^}]*\}")
ANY_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(:?[-?][^}]*)?\}")
_SA_TYPES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}


@pytest.fixture(scope="module")
def compose_text() -> str:
    """The file without its comment lines (they quote `${VAR:?...}` as an example)."""
    lines = (ROOT / "docker-compose.yml").read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


@pytest.fixture(scope="module")
def services(compose_text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(compose_text)["services"]
    return parsed


def _words(command: str | list[str]) -> list[str]:
    return command.split() if isinstance(command, str) else list(command)


def _env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {str(k): str(v) for k, v in environment.items()}


def _script(service: dict[str, Any]) -> str:
    """The deploy/ script a one-shot admin-tools service runs (entrypoint bash /deploy/X.sh, ./deploy mounted)."""
    words = _words(service.get("entrypoint", [])) + _words(service.get("command", []))
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", [])}
    scripts = [w for w in words if w.endswith(".sh")]
    assert len(scripts) == 1, words
    directory, name = scripts[0].rsplit("/", 1)
    assert mounts.get(directory) == "./deploy", mounts
    return (ROOT / "deploy" / name).read_text(encoding="utf-8")


def test_services_and_profiles(services: dict[str, Any]) -> None:
    assert {"postgres", "temporal", "temporal-admin-tools", "temporal-ui", "api", "worker", "emulator"} <= set(services)
    assert services["emulator"]["profiles"] == ["dev"]
    for name, service in services.items():
        if name != "emulator":
            assert "profiles" not in service, f"{name} must run without a profile"
    assert services["worker"]["deploy"]["replicas"] == 2


def test_our_commands_are_real_entry_points(services: dict[str, Any]) -> None:
    for name in OUR_SERVICES:
        words = _words(services[name]["command"])
        assert words[0] == "python", name
        if words[1] == "-m":
            assert (ROOT / words[2] / "__main__.py").exists(), name
        else:
            assert (ROOT / words[1]).is_file(), name


def test_our_environment_variables_are_settings(services: dict[str, Any]) -> None:
    for name in OUR_SERVICES:
        env = _env(services[name])
        assert env, name
        for variable in env:
            assert variable.lower() in Settings.model_fields, f"{name}: {variable} is not a setting"
        assert env["PROFILE"] == "production", name
        assert env["TEMPORAL_ADDRESS"] == "temporal:7233", name
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://"), name
        assert env["REGISTRY_URL"].startswith("postgresql+psycopg://"), name
        assert env["BLOB_DIR"].startswith("/data/"), name
    assert _env(services["api"])["API_HOST"] == "0.0.0.0"
    worker = _env(services["worker"])
    assert worker["WORKER_METRICS_PORT"] and worker["WORKER_SDK_METRICS_PORT"]


def test_required_secrets_are_required_and_documented(compose_text: str, services: dict[str, Any]) -> None:
    required = set(REQUIRED_FORM.findall(compose_text))
    assert set(REQUIRED_SECRETS) <= required
    # A secret never gets a fallback value anywhere in the file.
    for match in ANY_VARIABLE.finditer(compose_text):
        if match.group(1) in REQUIRED_SECRETS:
            assert (match.group(2) or "").startswith(":?"), match.group(0)
    for name in ("api", "worker"):
        env = _env(services[name])
        for secret in set(REQUIRED_SECRETS) - {"POSTGRES_PASSWORD"}:
            assert REQUIRED_FORM.fullmatch(env[secret]), f"{name}: {secret}"
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assigned = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    assert required <= assigned, required - assigned
    # Every variable the compose file reads is in .env.example (the optional ones commented out, with the default).
    optional = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    assert {m.group(1) for m in ANY_VARIABLE.finditer(compose_text)} <= assigned | optional


def test_ui_gets_the_codec_endpoint(services: dict[str, Any]) -> None:
    ui = _env(services["temporal-ui"])
    # No token in the URL: the operator's browser sends the back office session cookie (api/codec.py).
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == "${PUBLIC_BASE_URL:?set PUBLIC_BASE_URL}/codec"
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true" and "CODEC_TOKEN" not in str(ui)
    assert ui["TEMPORAL_ADDRESS"] == "temporal:7233"
    # The browser's origin (the UI) is allowed by the API's codec CORS.
    assert "TEMPORAL_UI_PUBLIC_URL" in _env(services["api"])["CODEC_CORS_ORIGINS"]


def test_admin_tools_register_exactly_the_search_attributes(services: dict[str, Any]) -> None:
    expected = {
        key.name: _SA_TYPES[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]
        for key in SEARCH_ATTRIBUTES
    }
    admin_services = [s for s in services.values() if str(s.get("image", "")).startswith("temporalio/admin-tools:")]
    scripts = [_script(s) for s in admin_services]
    namespace_scripts = [s for s in scripts if "search-attribute create" in s]
    assert len(namespace_scripts) == 1
    script = namespace_scripts[0]
    registered = re.findall(r"^register (\w+) (\w+)\s*$", script, flags=re.MULTILINE)
    assert dict(registered) == expected
    assert len(registered) == len(expected)
    assert "temporal operator namespace create" in script
    assert '--name "$name" --type "$type"' in script


def test_schema_setup_runs_before_the_server(services: dict[str, Any]) -> None:
    temporal = services["temporal"]
    assert temporal["depends_on"]["temporal-admin-tools"]["condition"] == "service_completed_successfully"
    schema = _script(services["temporal-admin-tools"])
    for db in ("temporal", "temporal_visibility"):
        assert re.search(rf"^schema {db} \S+/{db.removeprefix('temporal_') or 'temporal'}/versioned", schema, re.M)
    assert "setup-schema -v 0.0" in schema and "update-schema -d" in schema
    assert "madoguchi" in schema  # the back office and registry database
    env = _env(temporal)
    assert env["DB"] == "postgres12" and env["POSTGRES_SEEDS"] == "postgres"
    assert {"DB_PORT", "POSTGRES_USER", "POSTGRES_PWD", "DYNAMIC_CONFIG_FILE_PATH"} <= set(env)
    assert env["SKIP_SCHEMA_SETUP"] == "true"
    dynamic = next(v for v in temporal["volumes"] if env["DYNAMIC_CONFIG_FILE_PATH"] in v)
    assert (ROOT / dynamic.split(":")[0]).is_file()
    # The application waits for the namespace and its search attributes.
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["temporal"]["condition"] == "service_healthy"
        namespace_job = [n for n, d in depends.items() if d["condition"] == "service_completed_successfully"]
        assert namespace_job and "search-attribute create" in _script(services[namespace_job[0]])


def test_healthchecks(services: dict[str, Any]) -> None:
    for name in ("postgres", "temporal", "api", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])
    assert "/readyz" in str(services["api"]["healthcheck"]["test"])


def test_images_are_pinned(services: dict[str, Any]) -> None:
    for name, service in services.items():
        image = str(service["image"])
        repository, _, tag = image.rpartition(":")
        assert repository and re.match(r"^\d", tag), f"{name}: {image} is not pinned to a version"
        assert "latest" not in tag, name
    assert services["temporal"]["image"].startswith("temporalio/server:")
    assert services["temporal-ui"]["image"].startswith("temporalio/ui:")


def test_dockerfile_copies_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim-bookworm" in dockerfile
    assert "pip install -c constraints.txt ." in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = set(re.findall(r"^COPY (\w+)/ \1/$", dockerfile, re.MULTILINE))
    assert {pattern.rstrip("*") for pattern in include} <= copied
    assert "worker.py" in dockerfile
