"""`python -m admin` with typer's CliRunner: fast, no Temporal server (those commands must fail cleanly)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from admin.cli import app
from certificates.signing import SigningKeys
from config.keys import Keyring
from config.settings import DEV_BLOB_KEYS, DEV_CERT_SIGNING_KEYS, DEV_PAYLOAD_KEYS, get_settings

COMMANDS = (
    "seed-registry",
    "seed-demo-registry",
    "create-staff",
    "create-token",
    "revoke-tokens",
    "set-password",
    "lock",
    "unlock",
    "remove-staff",
    "seed-demo-staff",
    "new-key",
    "rotate-keys",
    "list-applications",
    "show-application",
    "withdraw",
    "retry",
)
OLD_BLOB_RING = "old1:" + "D" * 43 + "=," + "old2:" + "E" * 43 + "="
OLD_CERT_RING = "cert-old:" + "F" * 43 + "="
PASSWORD = "correct horse battery staple"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Settings from a clean development environment with throw-away databases; re-read for every test."""
    monkeypatch.chdir(tmp_path)  # no .env of a checkout
    monkeypatch.setenv("PROFILE", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'backoffice.sqlite'}")
    monkeypatch.setenv("REGISTRY_URL", f"sqlite:///{tmp_path / 'registry.sqlite'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_help_of_every_command(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in COMMANDS:
        assert command in result.output
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0, (command, sub.output)
        assert "Usage" in sub.output
    retry_help = runner.invoke(app, ["retry", "--help"], terminal_width=200).output
    assert "Temporal retries them by itself" in retry_help and "LastWorkflowTask" in retry_help
    for panel in ("Resident registry", "Staff accounts", "Keys", "Applications (Temporal)"):
        assert panel in result.output


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    assert runner.invoke(app, ["new-key", "--kind", "rsa"]).exit_code == 2
    assert runner.invoke(app, ["seed-registry", "--count", "0"]).exit_code == 2
    assert runner.invoke(app, ["create-staff", "--login", "a", "--name", "A", "--role", "boss"]).exit_code == 2
    assert runner.invoke(app, ["list-applications", "--status", "Lost"]).exit_code == 2
    assert runner.invoke(app, ["withdraw", "not-an-id"]).exit_code == 2
    assert runner.invoke(app, ["rotate-keys", "--setting", "SESSION_SECRET"]).exit_code == 2


def test_new_key_formats(runner: CliRunner) -> None:
    for kind in ("blob", "payload"):
        result = runner.invoke(app, ["new-key", "--kind", kind])
        assert result.exit_code == 0, result.output
        entry = result.stdout.strip()
        ring = Keyring.parse(entry)
        assert ring.current.startswith(f"{kind}-") and len(ring.keys[ring.current]) == 32
    result = runner.invoke(app, ["new-key", "--kind", "cert", "--key-id", "city-2027"])
    assert result.exit_code == 0, result.output
    cert = SigningKeys.parse(result.stdout.strip())
    assert cert.current == "city-2027"
    assert cert.public_keys()[0]["crv"] == "Ed25519"
    # Two calls, two different keys.
    again = runner.invoke(app, ["new-key", "--kind", "cert", "--key-id", "city-2027"]).stdout.strip()
    assert again != result.stdout.strip()
    assert runner.invoke(app, ["new-key", "--key-id", "bad id!"]).exit_code == 2


def test_rotate_keys_puts_a_new_key_first_and_keeps_the_old_ones(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLOB_KEYS", OLD_BLOB_RING)
    monkeypatch.setenv("CERT_SIGNING_KEYS", OLD_CERT_RING)
    get_settings.cache_clear()

    result = runner.invoke(app, ["rotate-keys", "--setting", "BLOB_KEYS"])
    assert result.exit_code == 0, result.output
    ring = result.stdout.strip()
    assert ring.endswith("," + OLD_BLOB_RING)
    parsed = Keyring.parse(ring)
    assert list(parsed.keys)[1:] == ["old1", "old2"]
    assert parsed.current.startswith("blob-")
    assert "2 old key(s) kept" in result.stderr

    result = runner.invoke(app, ["rotate-keys", "--setting", "cert_signing_keys", "--key-id", "cert-new"])
    assert result.exit_code == 0, result.output
    cert = SigningKeys.parse(result.stdout.strip())
    assert list(cert.keys) == ["cert-new", "cert-old"]

    # The development payload ring is rotated too, with a warning; a taken key id is a usage error.
    result = runner.invoke(app, ["rotate-keys", "--setting", "PAYLOAD_KEYS"])
    assert result.exit_code == 0 and "development key" in result.stderr
    assert runner.invoke(app, ["rotate-keys", "--setting", "BLOB_KEYS", "--key-id", "old2"]).exit_code == 2


@pytest.mark.parametrize("setting", ["BLOB_KEYS", "PAYLOAD_KEYS", "CERT_SIGNING_KEYS"])
def test_rotate_keys_never_keeps_a_development_key(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    """The default install's ring is the published development key: the new ring leaves it out (the certificate
    key would otherwise be published at /verify/keys), under whatever id it is listed."""
    dev_material = {
        "BLOB_KEYS": DEV_BLOB_KEYS,
        "PAYLOAD_KEYS": DEV_PAYLOAD_KEYS,
        "CERT_SIGNING_KEYS": DEV_CERT_SIGNING_KEYS,
    }[setting].partition(":")[2]
    result = runner.invoke(app, ["rotate-keys", "--setting", setting])
    assert result.exit_code == 0, result.output
    ring = result.stdout.strip()
    assert dev_material not in ring and "," not in ring, "only the new key"
    assert "development key" in result.stderr and dev_material not in result.stderr

    # A development key kept as an old key under another id is dropped too; the real old key stays.
    real_old = "real-old:" + "G" * 43 + "="
    monkeypatch.setenv(setting, f"{real_old},renamed-dev:{dev_material}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["rotate-keys", "--setting", setting, "--key-id", "fresh"])
    assert result.exit_code == 0, result.output
    ring = result.stdout.strip()
    assert ring.startswith("fresh:") and ring.endswith("," + real_old) and dev_material not in ring
    assert "renamed-dev" in result.stderr and "1 old key(s) kept" in result.stderr


def test_rotate_keys_of_invalid_settings_exits_1(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFILE", "production")  # with the development secrets: refused by the settings
    get_settings.cache_clear()
    result = runner.invoke(app, ["rotate-keys", "--setting", "BLOB_KEYS"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: settings are invalid") and len(result.stderr.strip().splitlines()) == 1


def test_seed_demo_registry(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    result = runner.invoke(app, ["seed-demo-registry", "--url", url])
    assert result.exit_code == 0, result.output
    assert "seeded" in result.stdout and "demo" in result.stdout
    again = runner.invoke(app, ["seed-demo-registry", "--url", url])
    assert again.exit_code == 0 and "skipped" in again.stdout
    # Default URL: REGISTRY_URL from the settings.
    result = runner.invoke(app, ["seed-registry", "--count", "20"])
    assert result.exit_code == 0, result.output
    assert "registry.sqlite" in result.stdout and (tmp_path / "registry.sqlite").exists()
    assert runner.invoke(app, ["seed-demo-registry", "--url", "nosuchdb://x"]).exit_code == 2


def test_create_staff_and_token(runner: CliRunner, tmp_path: Path) -> None:
    args = ["create-staff", "--login", "Tanaka", "--name", "田中 一郎", "--role", "clerk", "--password-stdin"]
    result = runner.invoke(app, args, input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "created clerk 'tanaka'" in result.stdout
    assert (tmp_path / "backoffice.sqlite").exists()

    again = runner.invoke(app, args, input=PASSWORD + "\n")
    assert again.exit_code == 1
    assert again.stderr.startswith("error: refused") and "taken" in again.stderr

    weak = runner.invoke(app, [*args[:2], "suzuki", *args[3:]], input="short\n")
    assert weak.exit_code == 2 and weak.stderr.startswith("error: refused: password")

    token = runner.invoke(app, ["create-token", "--login", "tanaka", "--name", "reporting", "--days", "30"])
    assert token.exit_code == 0, token.output
    secret = token.stdout.strip()
    assert len(secret) > 30 and "\n" not in secret
    assert "Store it now" in token.stderr

    # The token works with the back office's own account code.
    from datetime import UTC, datetime

    from backoffice.accounts import Accounts
    from backoffice.db import Database

    database = Database.from_url(f"sqlite:///{tmp_path / 'backoffice.sqlite'}")
    try:
        staff = Accounts(database.sessions).staff_for_token(secret, now=datetime.now(UTC))
    finally:
        database.dispose()
    assert staff is not None and staff.login == "tanaka"

    unknown = runner.invoke(app, ["create-token", "--login", "nobody", "--name", "x"])
    assert unknown.exit_code == 1 and unknown.stderr.startswith("error: refused")


@pytest.mark.parametrize(
    "command",
    [
        ["list-applications"],
        ["list-applications", "--status", "AwaitingMailing", "--procedure", "juminhyo", "--json"],
        ["show-application", "7K3QF-9M2XA"],
        ["withdraw", "application-7K3QF-9M2XA"],
        ["retry", "7K3QF-9M2XA", "--dry-run"],
    ],
)
def test_temporal_commands_exit_1_when_temporal_is_unreachable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    address = f"127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("TEMPORAL_ADDRESS", address)
    get_settings.cache_clear()
    result = runner.invoke(app, ["--timeout", "3", *command])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: Temporal at {address}")
    assert "unreachable" in lines[0] or "did not answer" in lines[0]
    assert result.stdout == ""
