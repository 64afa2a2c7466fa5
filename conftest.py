"""Settings for every test run, the notebooks' kernels included (they inherit the environment)."""

import os

# Progress bars are for people: in test runs they would only add timing noise to outputs.
os.environ["MIGRATOR_QUIET"] = "1"
# Plots render to PNG without a display (nbval ignores PNG bytes, compares the text).
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
