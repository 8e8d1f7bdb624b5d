# The quick start is two commands: `make up` and `make test`. Both bootstrap .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export CROW_DEV ?= 1
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1

.PHONY: up test bench lint sdk browser clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

sdk/node_modules/.installed: sdk/package.json
	cd sdk && npm ci --no-audit --no-fund --loglevel=error
	touch $@

sdk: sdk/node_modules/.installed
	cd sdk && npm run build

# Debian's chromium drives the browser tests; install it when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || sudo apt-get install -y -qq chromium

up: $(STAMP) sdk
	$(PY) manage.py up

test: $(STAMP) sdk browser
	cd sdk && npm test && npm run size
	CROW_TESTING=1 $(PY) -m pytest
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	CROW_TESTING=1 $(VENV)/bin/mypy .

bench: $(STAMP) sdk
	CROW_TESTING=1 $(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) sdk/node_modules sdk/dist .crow
