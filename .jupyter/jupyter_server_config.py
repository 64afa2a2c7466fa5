# JupyterLab as the course opens it: `make lab` runs
#     jupyter lab --config=.jupyter/jupyter_server_config.py
# (tests/test_browser.py starts JupyterLab with the command line `make -n lab` prints).
# `make lab-it` runs the same, with the Italian start page (notebooks/it/) as default_url and preferred_dir.
#
# - The server is rooted at the repository, so the file browser reaches alembic.ini, migrations/
#   and migrator/checks.py, which notebooks 00 and 06 ask learners to open.
# - It opens the start page, notebooks/00_start_here.ipynb, instead of a Launcher; the file
#   browser starts in notebooks/ (one click on the folder icon goes up to the repository).
# - Files learners never need are not listed: caches and build metadata (dot-folders such as
#   .venv, .git, .pytest_cache and .postgres are hidden by JupyterLab already).
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
START_PAGE = "notebooks/00_start_here.ipynb"

c = get_config()  # noqa: F821 (Jupyter defines get_config when it reads this file)

c.ServerApp.root_dir = str(REPOSITORY)
c.LabApp.default_url = f"/lab/tree/{START_PAGE}"
c.ContentsManager.preferred_dir = "notebooks"
c.ContentsManager.hide_globs = [
    "__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~",  # JupyterLab's own defaults
    "*.egg-info", "build", "screenshots", "*.db-journal", "*.db-wal", "*.db-shm",
]
