"""The sample application used across the course: a small bookshop."""

from .shop import Bookshop

__all__ = ["Bookshop"]
