# The two commands of the README: `make run` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-chat bench-id bench-cert venv clean browser
# The clerk UI is tested in Debian's headless Chromium (browsers cannot be downloaded by Playwright here).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

browser: $(CHROMIUM)

run: $(STAMP)
	$(PY) -m devstack run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: $(STAMP) $(CHROMIUM) lint
	$(VENV)/bin/pytest

bench: bench-chat bench-id bench-cert

bench-chat: $(STAMP)
	$(PY) -m bench.chat_latency

bench-id: $(STAMP)
	$(PY) -m bench.id_check

bench-cert: $(STAMP)
	$(PY) -m bench.certificate

clean:
	rm -rf $(VENV) var/*.sqlite* var/blobs
