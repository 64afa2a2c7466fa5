# Migration Lab: `make lab` opens the course, `make test` runs every test.
# Both create the virtual environment (.venv) from requirements.txt when needed;
# re-running them reinstalls nothing unless requirements.txt or pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; CI and containers run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test bench lock clean

lab: $(READY)
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

# Everything once (unit tests, every notebook under strict nbval, the browser test), then the
# notebooks a second time over the first run's workspaces: Restart & Run All must be repeatable.
test: $(READY)
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest notebooks

bench: $(READY)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/chain.py
	$(BIN)/python bench/postgres.py

# Installs with uv when it can be had from PyPI (about 4x faster), else with pip; both install
# exactly the versions in constraints.txt, so every machine gets the same set.
$(READY): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Migration Lab needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv~=0.13.8"; then \
	    $(BIN)/python -m uv pip install --quiet --python $(BIN)/python -r requirements.txt -c constraints.txt; \
	else \
	    $(BIN)/python -m pip install --quiet --upgrade pip && \
	    $(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt; \
	fi
	touch $(READY)

# Re-pin constraints.txt after a change to requirements.txt (every platform's markers kept).
lock: $(READY)
	grep -v '^-e' requirements.txt > $(VENV)/requirements-no-editable.txt
	$(BIN)/python -m uv pip compile --quiet --universal --python-version 3.11 \
	    $(VENV)/requirements-no-editable.txt -o constraints.txt

clean:
	rm -rf $(VENV) notebooks/workspaces workspaces
