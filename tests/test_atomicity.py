"""A revision that fails at any point leaves schema, data and alembic_version exactly as before.

Stock Alembic on SQLite does not: the pysqlite driver commits DDL as it goes, so a failure
halfway leaves the first operations applied while alembic_version names the old revision,
and the next `upgrade` trips over its own leftovers. Both behaviours are shown here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import alembic
import pytest
from alembic import command
from alembic.config import Config

from conftest import dump, unchanged, write_revision_body
from migrator import MigrationFailedError

# Four operations of different kinds; FAIL_AFTER decides after how many it raises.
OPERATIONS = [
    "op.create_table('shelves', sa.Column('id', sa.Integer(), primary_key=True))",
    "op.add_column('books', sa.Column('isbn', sa.String(13), nullable=True))",
    "op.execute(\"UPDATE books SET title = upper(title)\")",
    "with op.batch_alter_table('authors') as batch_op:\n"
    "    batch_op.create_unique_constraint('uq_authors_name', ['name'])",
]


def failing_revision(ws, fail_after: int) -> None:
    """A hand-written revision running OPERATIONS, raising after the first `fail_after`."""
    body = [*OPERATIONS[:fail_after], "raise RuntimeError('the revision failed here')", *OPERATIONS[fail_after:]]
    rev = ws.revision("four operations", autogenerate=False)
    write_revision_body(ws, rev, "\n".join(body))


@pytest.fixture
def shop_with_data(bookshop):
    bookshop.upgrade("0002")
    with bookshop.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO authors (id, name) VALUES (1, 'N. K. Jemisin')")
        connection.exec_driver_sql("INSERT INTO books (title, author_id) VALUES ('The Fifth Season', 1)")
    # Drop 0003/0004 so the failing revision follows 0002 directly.
    for later in ("0003", "0004"):
        next((bookshop.path / "migrations/versions").glob(f"{later}_*.py")).unlink()
    return bookshop


@pytest.mark.parametrize("fail_after", range(len(OPERATIONS) + 1))
def test_a_failing_revision_changes_nothing(shop_with_data, fail_after):
    ws = shop_with_data
    failing_revision(ws, fail_after)
    with unchanged(ws), pytest.raises(MigrationFailedError, match="0003_four_operations.py, line \\d+.*rolled back"):
        ws.upgrade()
    assert ws.current() == "0002"


def test_a_failure_in_the_last_of_several_revisions_rolls_back_all_of_them(shop_with_data):
    ws = shop_with_data
    ws.downgrade("base")
    failing_revision(ws, 2)
    before = dump(ws)
    with pytest.raises(MigrationFailedError):
        ws.upgrade()
    assert dump(ws) == before and ws.current() is None


def test_stock_alembic_leaves_a_half_applied_revision(shop_with_data):
    """The behaviour the kit fixes, reproduced with the env.py that `alembic init` writes."""
    ws = shop_with_data
    failing_revision(ws, 2)
    stock_env = Path(alembic.__file__).parent / "templates" / "generic" / "env.py"
    shutil.copy(stock_env, ws.path / "migrations" / "env.py")
    config = Config(ws.ini_path)

    with pytest.raises(RuntimeError, match="the revision failed here"):
        command.upgrade(config, "head")
    assert ws.current() == "0002"  # alembic_version says nothing happened ...
    assert "shelves" in ws.tables()["table"].tolist()  # ... but the first operations stayed
    assert "isbn" in ws.columns("books")["column"].tolist()

    with pytest.raises(Exception, match="already exists|duplicate column"):
        command.upgrade(config, "head")  # and running it again trips over the leftovers


def test_a_failure_after_an_autocommit_block_says_what_before_it_was_committed(bookshop):
    """With autocommit_block() the all-or-nothing promise cannot hold: the error must not claim it."""
    import sqlalchemy as sa

    from conftest import write_revision_body
    from migrator import MigratorError

    bookshop.upgrade()
    rev = bookshop.revision("index then fail", autogenerate=False)
    write_revision_body(bookshop, rev, (
        "op.create_table('early', sa.Column('id', sa.Integer, primary_key=True))\n"
        "with op.get_context().autocommit_block():\n"
        "    op.execute('SELECT 1')\n"
        "op.execute('INSERT INTO no_such_table VALUES (1)')"
    ), "op.drop_table('early')")
    with pytest.raises(MigratorError) as caught:
        bookshop.upgrade()
    assert "before its autocommit_block() was committed" in caught.value.what
    assert "early" in sa.inspect(bookshop.reader).get_table_names()  # and so it was
    assert bookshop.current() == "0004"
