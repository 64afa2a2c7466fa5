"""Shared fixtures: every test gets its own workspace root in a temporary folder."""

from __future__ import annotations

import pytest

from migrator import Workspace

AUTHOR = '''

class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
'''


@pytest.fixture
def ws(tmp_path) -> Workspace:
    """An empty workspace (starter models: just Base) in a temporary folder."""
    return Workspace("test", root=tmp_path, reset=True)


@pytest.fixture
def authors_ws(ws) -> Workspace:
    """A workspace whose models define authors, with revision 0001 applied."""
    ws.write_models(ws.read_models() + AUTHOR)
    ws.revision("create authors")
    ws.upgrade()
    return ws


@pytest.fixture
def bookshop(tmp_path) -> Workspace:
    """The bookshop's reference chain (0001-0004), database still empty."""
    return Workspace("shop", root=tmp_path, reset=True, starter="bookshop")
