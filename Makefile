# The two commands of the README: `make run` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-chat venv clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m devstack run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(VENV)/bin/pytest

bench: bench-chat

bench-chat: $(STAMP)
	$(PY) -m bench.chat_latency

clean:
	rm -rf $(VENV) var/*.sqlite*
