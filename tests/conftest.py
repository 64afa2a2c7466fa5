"""Shared fixtures: every test gets its own workspace root in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from migrator import Workspace

AUTHOR = '''

class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
'''


@pytest.fixture(params=["en", "it"])
def language(request):
    """The kit in English, then in Italian (migrator.set_language): for the exercises' tests."""
    import migrator

    migrator.set_language(request.param)
    yield request.param
    migrator.set_language(None)


@pytest.fixture
def italian():
    """The kit in Italian for one test, English again afterwards."""
    import migrator

    migrator.set_language("it")
    yield
    migrator.set_language(None)


@pytest.fixture
def say(language):
    """``say("Close", "Ci sei quasi")``: the words a message has in the language under test."""
    return lambda english, italian: italian if language == "it" else english


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


def dump(ws: Workspace) -> str:
    """The whole database as SQL text (sqlite3's .dump): schema, data, alembic_version."""
    import sqlite3

    if not ws.database_path.exists():
        return ""
    with sqlite3.connect(ws.database_path) as connection:
        return "\n".join(connection.iterdump())


@contextmanager
def unchanged(ws: Workspace) -> Iterator[None]:
    """The block must leave the whole database exactly as it was: schema, data, alembic_version.

    ``with unchanged(ws), pytest.raises(SomeError): ws.upgrade()`` is how the error tests say
    "it failed, and nothing moved".
    """
    before = dump(ws)
    yield
    assert dump(ws) == before, "the database changed"


def write_revision_body(ws: Workspace, revision, upgrade: str, downgrade: str = "pass") -> None:
    """Replace the bodies of a hand-written revision's upgrade() and downgrade()."""
    path = ws.path / revision.file
    source = path.read_text()
    source = source.replace('    """Upgrade schema."""\n    pass', '    """Upgrade schema."""\n' + _indent(upgrade), 1)
    source = source.replace('    """Downgrade schema."""\n    pass', '    """Downgrade schema."""\n' + _indent(downgrade), 1)
    path.write_text(source)


def _indent(code: str) -> str:
    import textwrap

    return textwrap.indent(textwrap.dedent(code).strip("\n"), "    ")


def rewrite_revision(ws: Workspace, upgrade_body: str, downgrade_body: str, revision: str = "0005") -> None:
    """Replace everything from `def upgrade()` on in a revision file (indented bodies given)."""
    path = next((ws.path / "migrations" / "versions").glob(f"{revision}_*.py"))
    source = path.read_text()
    header = source[: source.index("def upgrade()")]
    path.write_text(
        f"{header}def upgrade() -> None:\n{upgrade_body}\n\ndef downgrade() -> None:\n{downgrade_body}\n"
    )


# -- PostgreSQL (migrator.postgres) ------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server():
    """The kit's PostgreSQL server, held for the session; skipped where pgserver has no wheel.

    Under pytest-xdist each worker holds it: the last worker to finish stops it.
    """
    from migrator import postgres

    if not postgres.available():
        pytest.skip("no PostgreSQL here: pgserver (Linux x86_64, macOS, Windows x64; Python <= 3.12) is not installed")
    yield postgres.server()
    postgres.stop()


@pytest.fixture
def postgres_url(postgres_server, request) -> Iterator[str]:
    """The URL of a brand-new database on that server, dropped after the test."""
    from migrator import postgres

    url = postgres.fresh_database(request.node.name)
    yield url
    postgres.drop_database(url)
