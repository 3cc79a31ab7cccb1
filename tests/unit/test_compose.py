"""docker-compose.yml cannot run here (no Docker engine); its structure is checked instead."""

from __future__ import annotations

from pathlib import Path

import yaml

from config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_compose_services_use_real_entry_points_and_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"temporal", "api", "worker", "emulator"} <= set(services)
    assert services["emulator"]["profiles"] == ["dev"]
    for name, service in services.items():
        command = service["command"]
        words = command.split() if isinstance(command, str) else command
        if words[:2] == ["python", "-m"]:
            assert (ROOT / words[2] / "__main__.py").exists(), name
        elif words[0] == "python":
            assert (ROOT / words[1]).exists(), name
        else:
            assert words[:3] == ["temporal", "server", "start-dev"], name
        for variable in service.get("environment", {}):
            assert variable.lower() in Settings.model_fields, f"{name}: {variable} is not a setting"
