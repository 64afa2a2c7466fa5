"""What the notebooks show works the same on PostgreSQL as on SQLite.

The bookshop's chain (0001-0004) is upgraded on a SQLite file and on a PostgreSQL 16
database, the same rows go into both, and every display is compared output by output:
``tables()``, ``columns()``, ``rows()`` (with its "first n of m rows" note),
``version_table()``, the ER diagram (plain and detailed), and the explorer (its revision
list, ``alembic_version`` panel, table picker, rows, diagram and source; the plan of a move,
and the move itself).

The differences that are expected, and tested as such:

- ``columns()``: PostgreSQL's integer primary keys are ``SERIAL`` columns, whose default
  is ``nextval('<table>_id_seq'::regclass)``; SQLite's ``INTEGER PRIMARY KEY`` is the
  rowid and has none.
- ``rows()`` of a table without a primary key: SQLite gives rowid order (the order of
  insertion); PostgreSQL has no rowid, so it sorts by every column.  Same rows.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import migrator
from migrator import diagrams, postgres
from migrator.schema import Rows
from migrator.widgets import Explorer

pytestmark = pytest.mark.skipif(not postgres.available(), reason="pgserver has no wheel for this platform")

TABLES = ["alembic_version", "authors", "books"]
ROWS = [
    "INSERT INTO authors (name) VALUES ('Ursula K. Le Guin'), ('Italo Calvino'), ('Wisława Szymborska')",
    ("INSERT INTO books (title, author_id, published_year, slug) VALUES "
     "('The Dispossessed', 1, 1974, 'the-dispossessed'), ('Invisible Cities', 2, NULL, 'invisible-cities'), "
     "('The Left Hand of Darkness', 1, 1969, 'the-left-hand-of-darkness'), ('View with a Grain of Sand', 3, 1995, "
     "'view-with-a-grain-of-sand'), ('If on a winter''s night a traveler', 2, 1979, 'if-on-a-winter-s-night-a-traveler')"),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory, postgres_server):
    """(sqlite, postgresql): the bookshop at head with the same rows, one workspace on each database."""
    root = tmp_path_factory.mktemp("display")
    url = postgres.fresh_database("display")
    lite = migrator.Workspace("lite", root=root, reset=True, starter="bookshop")
    pg = migrator.Workspace("pg", root=root, reset=True, starter="bookshop").with_database(url)
    for ws in (lite, pg):
        ws.upgrade()
        with ws.engine.begin() as connection:
            for sql in ROWS:
                connection.exec_driver_sql(sql)
    yield lite, pg
    postgres.drop_database(url)


def test_they_really_are_two_databases(pair):
    lite, pg = pair
    assert lite.reader.dialect.name == "sqlite" and pg.reader.dialect.name == "postgresql"


def test_tables_are_the_same(pair):
    lite, pg = pair
    assert pg.tables()["table"].tolist() == TABLES
    assert_frame_equal(pg.tables(), lite.tables())  # names, column counts, row counts


def test_columns_are_the_same_but_for_the_serial_keys_defaults(pair):
    lite, pg = pair
    for table in TABLES:
        on_pg, on_lite = pg.columns(table), lite.columns(table)
        assert_frame_equal(on_pg.drop(columns="default"), on_lite.drop(columns="default"))  # name, type, nullable, key
        serial = on_pg["primary_key"] & (on_pg["type"] == "INTEGER")
        assert on_pg.loc[serial, "default"].tolist() == [f"nextval('{table}_id_seq'::regclass)"] * serial.sum()
        assert on_pg.loc[~serial, "default"].isna().all() and on_lite["default"].isna().all()


def test_rows_are_the_same(pair):
    lite, pg = pair
    for table in TABLES:
        assert_frame_equal(pg.rows(table), lite.rows(table))  # values, NULLs, dtypes, primary-key order
    assert pg.rows("books")["title"].iloc[2] == "The Left Hand of Darkness"
    assert pd.isna(pg.rows("books")["published_year"].iloc[1])


def test_the_first_rows_say_they_are_only_the_first_on_both(pair):
    lite, pg = pair
    on_pg, on_lite = pg.rows("books", limit=2), lite.rows("books", limit=2)
    assert isinstance(on_pg, Rows) and isinstance(on_lite, Rows)
    assert on_pg.note == on_lite.note == "first 2 of 5 rows; rows('books', limit=None) shows all"
    assert repr(on_pg) == repr(on_lite) and on_pg._repr_html_() == on_lite._repr_html_()
    assert_frame_equal(pg.rows("books", limit=None), lite.rows("books"))


def test_the_version_table_is_the_same(pair):
    lite, pg = pair
    assert_frame_equal(pg.version_table(), lite.version_table())
    assert pg.version_table()["version_num"].tolist() == ["0004"]


def test_the_er_diagram_is_the_same(pair):
    """Same tables, same columns and keys, same relationship; the detailed one (the explorer's) too."""
    lite, pg = pair
    assert str(pg.er_diagram()) == str(lite.er_diagram())
    assert "    authors ||--o{ books : \"author_id\"" in str(pg.er_diagram())
    detailed = diagrams.er_diagram(pg.reader, detailed=True)
    assert str(detailed) == str(diagrams.er_diagram(lite.reader, detailed=True))
    assert "varchar(100) name UK" in str(detailed) and 'integer published_year "nullable"' in str(detailed)


def panels(explorer: Explorer) -> dict:
    """Everything the explorer shows, as data."""
    return {
        "timeline": explorer.timeline.options, "selected": explorer.timeline.value, "version": explorer.version,
        "version panel": explorer.version_output.outputs, "diagram": explorer.diagram_output.outputs,
        "tables": explorer.table_picker.options, "table": explorer.table_picker.value,
        "caption": explorer.rows_caption.value, "rows": explorer.rows_output.outputs, "source": explorer.source.value,
        "status": explorer.status.value, "pending": explorer.pending, "confirm box": explorer.confirm_box.layout.display,
        "warning": explorer.warning.value,
    }


def test_the_explorer_shows_the_same(pair):
    lite, pg = pair
    on_pg, on_lite = Explorer(pg, limit=3), Explorer(lite, limit=3)
    assert panels(on_pg) == panels(on_lite)
    assert on_pg.version == ["0004"] and on_pg.table_picker.options == ("authors", "books")
    assert on_pg.rows_caption.value == "<code>books</code>: 5 row(s), the first 3 shown"
    on_pg.show_table("authors"), on_lite.show_table("authors")
    on_pg.select("0002"), on_lite.select("0002")
    assert panels(on_pg) == panels(on_lite)
    assert "Wisława Szymborska" in on_pg.rows_output.outputs[0]["data"]["text/plain"]


def test_the_explorer_plans_and_moves_the_same(pair):
    """A downgrade that would drop filled columns waits for a yes on both; confirmed, it moves both alike."""
    lite, pg = pair
    on_pg, on_lite = Explorer(pg), Explorer(lite)
    asked = on_pg.downgrade_one(), on_lite.downgrade_one()
    assert asked[0].kind == asked[1].kind == "confirm" and asked[0].text == asked[1].text
    assert "0004 downgrade: drops column books.slug" in asked[0].text
    assert panels(on_pg) == panels(on_lite) and pg.current() == "0004"

    moved = on_pg.confirm(), on_lite.confirm()
    assert moved[0].kind == "moved" and moved[0].text == moved[1].text
    assert panels(on_pg) == panels(on_lite) and on_pg.version == ["0003"]
    assert "slug" not in pg.columns("books")["column"].tolist()

    back = on_pg.upgrade_one(), on_lite.upgrade_one()  # 0004 backfills the slugs again, the same way
    assert back[0].kind == "moved" and back[0].text == back[1].text
    assert panels(on_pg) == panels(on_lite) and on_pg.version == ["0004"]
    assert_frame_equal(pg.rows("books"), lite.rows("books"))


def test_a_table_without_a_primary_key_is_shown_in_a_stable_order_on_both(pair):
    """The one expected difference in rows(): rowid order on SQLite, every column's order on PostgreSQL."""
    lite, pg = pair
    for ws in (lite, pg):
        with ws.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE visits (reader VARCHAR(20), day INTEGER)")
            connection.exec_driver_sql("INSERT INTO visits VALUES ('zoe', 2), ('ada', 5), ('zoe', 1), (NULL, 3)")
    try:
        inserted = [("zoe", 2), ("ada", 5), ("zoe", 1), (None, 3)]
        on_lite = [tuple(None if pd.isna(v) else v for v in row) for row in lite.rows("visits").itertuples(index=False)]
        on_pg = [tuple(None if pd.isna(v) else v for v in row) for row in pg.rows("visits").itertuples(index=False)]
        assert on_lite == inserted
        assert on_pg == [("ada", 5), ("zoe", 1), ("zoe", 2), (None, 3)]  # PostgreSQL sorts NULL last
        assert pg.rows("visits", limit=2).note == lite.rows("visits", limit=2).note
        assert_frame_equal(pg.tables(), lite.tables())
    finally:
        for ws in (lite, pg):
            with ws.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE visits")
