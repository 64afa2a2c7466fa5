# Migration Lab: `make lab` opens the course (`make lab-it`: in Italian), `make test` runs every test,
# `make reset-notebooks` puts the notebooks back as they were committed,
# `make site` writes the course as a static HTML site to read offline (_site/index.html).
# Both create the virtual environment (.venv) from requirements.txt when needed;
# re-running them reinstalls nothing unless requirements.txt or pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; CI and containers run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab lab-it reset-notebooks test site bench lock clean workshop

# The start page, with the file browser at the repository root (.jupyter/jupyter_server_config.py
# says why); tests/test_browser.py opens JupyterLab with exactly this command line.
lab: $(READY)
	$(BIN)/jupyter lab --config=.jupyter/jupyter_server_config.py $(ROOT_FLAG)

# The Italian edition: the same JupyterLab, opened on the Italian start page, with the file browser
# in notebooks/it/ (the command line overrides the config file's default_url and preferred_dir).
IT_START_PAGE := notebooks/it/00_start_here.ipynb
lab-it: $(READY)
	$(BIN)/jupyter lab --config=.jupyter/jupyter_server_config.py $(ROOT_FLAG) --LabApp.default_url=/lab/tree/$(IT_START_PAGE) --ContentsManager.preferred_dir=notebooks/it

# A JupyterHub on this machine for a room of N learners (docs/workshop.md): learner01 .. learnerNN
# log in with one shared password, `instructor` is the admin. IP=0.0.0.0 lets the room's laptops in.
N    ?= 30
IP   ?= 127.0.0.1
PORT ?= 8000
workshop: $(READY)
	$(BIN)/python -m tools.workshop --learners $(N) --ip $(IP) --port $(PORT)

# JupyterLab saves what learners type into the notebooks themselves; this restores every course
# notebook (and the start page) as committed. Close their tabs first, or JupyterLab saves them again.
# Workspaces are not touched: each notebook resets its own when it runs.
reset-notebooks:
	git checkout HEAD -- 'notebooks/*.ipynb'

# Everything once (unit tests, every notebook under strict nbval, the browser test), then the
# notebooks a second time over the first run's workspaces: Restart & Run All must be repeatable.
test: $(READY)
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest notebooks

# The whole course, English and Italian, as committed with its outputs, into _site/ (git-ignored):
# open _site/index.html, no server needed. Mermaid comes from its npm tarball, checked against the
# sha512 pinned in tools/bundled.py and cached in .cache/npm/ (the registry is asked once).
# make test builds it too (tests/test_site.py: about 12 s of CPU, bench/RESULTS.md) and reads it offline in Chromium.
site: $(READY)
	$(BIN)/python tools/static_site.py --out _site

bench: $(READY)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/chain.py
	$(BIN)/python bench/postgres.py
	$(BIN)/python bench/install.py
	$(BIN)/python bench/site.py
	$(BIN)/python bench/workshop.py

# Installs with uv when it can be had from PyPI (about 4x faster), else with pip; both install
# exactly the versions in constraints.txt, so every machine gets the same set. Both compile the
# packages' bytecode (pip does by default, uv when asked): where PYTHONDONTWRITEBYTECODE is set,
# as on CI, Python would otherwise compile pandas, SQLAlchemy and Jupyter again in every process
# (3.0 s instead of 1.1 s to import them; make test starts hundreds of processes).
$(READY): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Migration Lab needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv~=0.13.8"; then \
	    $(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.txt -c constraints.txt; \
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
	rm -rf $(VENV) notebooks/workspaces notebooks/it/workspaces workspaces _site .cache
	if [ -d .workshop ]; then chmod -R u+w .workshop && rm -rf .workshop; fi
