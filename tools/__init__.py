"""Maintainer tools: re-execute the notebooks, time them, and read them as git would commit them."""
