# Two commands on a fresh machine with Python 3.10+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed

.PHONY: demo lab test test-browser test-wheel venv clean

venv: $(STAMP)

# The demo needs the runtime install only; the tests add their extra on top of it.
$(RUNTIME_STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/wildrydes-nb demo --out runs/demo

# The learner's one command on a fresh clone: make the environment, then open JupyterLab on the
# workbook. `make lab SANDBOX=1` without an AWS account; LAB_ARGS go to `wildrydes-nb lab`.
lab: $(RUNTIME_STAMP)
	$(BIN)/wildrydes-nb lab $(if $(SANDBOX),--sandbox) $(LAB_ARGS)

# PYTHONDONTWRITEBYTECODE is emptied for the tests: Python then keeps the compiled modules
# (and pytest its rewritten tests) in __pycache__, and a second run starts warm. Every kernel
# and command the tests start inherits it. tests/guard (the loopback guard, which
# tests/conftest.py also gives every process it starts) is set up before pytest itself starts.
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= PYTHONPATH=$(CURDIR)/tests/guard $(BIN)/python -m pytest

# The learner's view in a real browser: Debian's Chromium (the test tool's own browser download
# is not used) and the `browser` extra of pyproject.toml. Root installs without sudo.
CHROMIUM := /usr/bin/chromium
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)
BROWSER_STAMP := $(VENV)/.installed-browser

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,browser]'
	touch $(BROWSER_STAMP)

# Node and npm (Debian's packages, installed as Chromium is): the accessibility test injects
# axe-core, and the web-app test bundles its page, from the versions their package-lock.json pin
# (node_modules stays out of git).
AXE_STAMP := tests/browser/node_modules/.package-lock.json

$(AXE_STAMP): tests/browser/package.json tests/browser/package-lock.json
	command -v npm >/dev/null || ($(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y nodejs npm)
	npm ci --prefix tests/browser --no-audit --no-fund

test-browser: $(BROWSER_STAMP) $(AXE_STAMP)
	test -x $(CHROMIUM) || ($(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium)
	(command -v node && command -v npm) >/dev/null || ($(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y nodejs npm)
	$(BIN)/python -m pytest --browser tests/browser -n 0

# A plain install (a wheel, as pip install . or pipx makes it) ships the notebooks and runs the demo.
test-wheel: $(STAMP)
	scripts/check_wheel.sh $(BIN)/python

clean:
	rm -rf $(VENV) runs build *.egg-info
