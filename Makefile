# Migration Lab: `make lab` opens the course, `make test` runs every test.
# Both create the virtual environment (.venv) from requirements.txt when needed;
# re-running them reinstalls nothing unless requirements.txt or pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; CI and containers run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test bench clean

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

$(READY): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Migration Lab needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(READY)

clean:
	rm -rf $(VENV) notebooks/workspaces workspaces
