#!/bin/sh
# A learner's server on Zero to JupyterHub or The Littlest JupyterHub (docs/workshop.md):
# first their own copy of the course in $HOME (once: a restart keeps their work), then JupyterLab.
# The course itself stays where it was installed, read-only (PYTHONPATH points the kernels at it).
set -e
COURSE="$(cd "$(dirname "$0")/.." && pwd)"
PYTHONPATH="$COURSE" python -m tools.workshop --copy-into "$HOME"
exec jupyterhub-singleuser "$@"
