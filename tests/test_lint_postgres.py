"""The linter on a real PostgreSQL 16 (migrator.postgres): its own rules, and the shared ones, never mocked.

Each PostgreSQL rule fires on the revision that holds a lock too long (or fails) on a
table with rows, and stays quiet on the near miss: the safe variant, or the same
operation on an empty table.  The fixes the findings suggest are applied as revisions
and upgrade for real.  SQLite-only rules stay quiet on PostgreSQL and PostgreSQL rules on
SQLite, for the same revision body.

One bookshop per module and dialect (0001-0004 with data, plus an empty table): each test
writes its own revision 0005 under a file name of its own, lints it, and removes it; the
few that upgrade downgrade again, so the database is the same for the next test.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from migrator import Workspace, postgres
from migrator.lint import CODES, lint_ops, record_operations
from migrator.lint import rules as lint_rules
from migrator.lint.facts import Facts
from migrator.lint.recorder import in_autocommit, transaction_of

pytestmark = pytest.mark.skipif(not postgres.available(), reason="pgserver has no wheel for this platform")

PG_CODES = {code for code in CODES if code.startswith("pg-")}
SQLITE_ONLY = set(lint_rules.codes("sqlite")) - set(lint_rules.codes("postgresql"))

REVISION = '''\
"""{message}

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''

SETUP = [
    "INSERT INTO authors (name) VALUES ('Ursula K. Le Guin'), ('Octavia E. Butler'), ('Ann Leckie')",
    ("INSERT INTO books (title, author_id, published_year, slug) VALUES "
     "('The Dispossessed', 1, 1974, 'the-dispossessed'), ('The Left Hand of Darkness', 1, 1969, 'the-left-hand'), "
     "('Kindred', 2, 1979, 'kindred'), ('Ancillary Justice', 3, 2013, 'ancillary-justice')"),
    "CREATE INDEX ix_books_title_desc ON books (title DESC)",
]
PG_SETUP = [
    "CREATE TYPE mood AS ENUM ('happy', 'sad')",
    # Empty, for the near misses; a column of each kind the shared rules ask SQL questions about.
    ("CREATE TABLE shelves (id serial PRIMARY KEY, label varchar(50), position integer, book_id integer, "
     "price numeric(10, 2), weight double precision, added timestamp, cover bytea, mood mood)"),
]


def _shop(root: Path, url: str | None) -> Workspace:
    ws = Workspace("shop", root=root, reset=True, starter="bookshop")
    if url:
        ws = ws.with_database(url)
    ws.upgrade()
    with ws.engine.begin() as connection:
        for statement in SETUP + (PG_SETUP if url else []):
            connection.exec_driver_sql(statement)
    return ws


@pytest.fixture(scope="module")
def pg_shop(postgres_server, tmp_path_factory):
    """The bookshop at 0004 on a PostgreSQL database of this module: 3 authors, 4 books, an empty `shelves`."""
    url = postgres.fresh_database("lint_postgres")
    try:
        yield _shop(tmp_path_factory.mktemp("pg"), url)
    finally:
        postgres.drop_database(url)


@pytest.fixture(scope="module")
def sqlite_shop(tmp_path_factory):
    return _shop(tmp_path_factory.mktemp("sqlite"), None)


@pytest.fixture
def write(request):
    """``write(ws, upgrade, downgrade='pass')``: revision 0005 in a file named after the test; removed afterwards."""
    written: list[tuple[Workspace, Path]] = []
    name = "".join(c if c.isalnum() else "_" for c in request.node.name)[:80]

    def writer(ws: Workspace, upgrade: str, downgrade: str = "pass") -> Workspace:
        upgrade, downgrade = textwrap.dedent(upgrade), textwrap.dedent(downgrade)
        for _, old in written:
            old.unlink(missing_ok=True)
        path = ws.path / "migrations" / "versions" / f"0005_{name}_{len(written)}.py"
        path.write_text(REVISION.format(message=name, upgrade=_indent(upgrade), downgrade=_indent(downgrade)))
        written.append((ws, path))
        return ws

    yield writer
    for ws, path in written:
        if ws.current() != "0004":
            ws.downgrade("0004")
        path.unlink(missing_ok=True)


def _indent(code: str) -> str:
    return textwrap.indent(code.strip("\n"), "    ")


def found(ws: Workspace) -> list[tuple[str, str, str | None, str]]:
    return [(f.code, f.table, f.column, f.severity) for f in ws.lint("0005")]


def pg_codes(ws: Workspace) -> set[str]:
    return {f.code for f in ws.lint("0005")} & PG_CODES


def finding(ws: Workspace, code: str):
    [hit] = [f for f in ws.lint("0005") if f.code == code]
    return hit


def refused(url: str, *statements: str) -> str:
    """Run statements in one transaction on the server, rolled back; the error PostgreSQL gives (or '')."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            try:
                for statement in statements:
                    connection.exec_driver_sql(statement)
            except sa.exc.DBAPIError as exc:
                return str(exc.orig)
            finally:
                connection.rollback()
    finally:
        engine.dispose()
    return ""


def fix_code(hit, *pieces: int) -> str:
    """A revision body made of the fix's own code, the pieces in backticks (a piece ending with ':' holds the next)."""
    spans = re.findall(r"`([^`]+)`", hit.fix)
    lines, indent = [], ""
    for index in pieces:
        lines.append(indent + spans[index])
        indent = "    " if spans[index].endswith(":") else ""
    return "\n".join(lines)


LOCKED = "op.execute(\"SET LOCAL lock_timeout = '5s'\")\n"  # put first: only the finding a test is about remains


# -- pg-table-rewrite ------------------------------------------------------------------------


def test_a_type_change_that_rewrites_a_table_with_rows(pg_shop, write):
    write(pg_shop, LOCKED + "op.alter_column('books', 'published_year', existing_type=sa.Integer(), type_=sa.BigInteger())")
    assert found(pg_shop) == [("pg-table-rewrite", "books", "published_year", "warning")]
    hit = finding(pg_shop, "pg-table-rewrite")
    assert "INTEGER to BIGINT" in hit.explanation and "4 rows" in hit.explanation and "ACCESS EXCLUSIVE" in hit.explanation
    assert "op.add_column('books', sa.Column('published_year_new', sa.BigInteger()" in hit.fix
    assert "autocommit_block()" in hit.fix and "new_column_name='published_year'" in hit.fix


@pytest.mark.parametrize("column, new", [
    ("title", "sa.String(300)"),  # a longer varchar
    ("title", "sa.Text()"),  # varchar to text
])
def test_a_metadata_only_type_change_or_an_empty_table_does_not_rewrite(pg_shop, write, column, new):
    write(pg_shop, LOCKED + f"op.alter_column('books', '{column}', type_={new})")
    assert found(pg_shop) == []
    write(pg_shop, "op.alter_column('shelves', 'position', type_=sa.BigInteger())")  # rewrites, but no rows
    assert found(pg_shop) == []


@pytest.mark.parametrize("default", ["sa.text('gen_random_uuid()')", "sa.text('random()')", "sa.func.clock_timestamp()"])
def test_a_volatile_default_rewrites_a_table_with_rows(pg_shop, write, default):
    kind = "sa.Uuid()" if "uuid" in default else "sa.DateTime()" if "clock" in default else "sa.Float()"
    write(pg_shop, LOCKED + f"op.add_column('books', sa.Column('token', {kind}, server_default={default}))")
    assert found(pg_shop) == [("pg-table-rewrite", "books", "token", "warning")]
    hit = finding(pg_shop, "pg-table-rewrite")
    assert "volatile default" in hit.explanation and "4 rows" in hit.explanation
    assert "server_default=sa.text(" in hit.fix and "autocommit_block()" in hit.fix


@pytest.mark.parametrize("default", ["'unknown'", "sa.text('now()')", "sa.func.now()", "sa.text(\"'a' || 'b'\")"])
def test_a_constant_or_now_default_is_fast_since_postgresql_11(pg_shop, write, default):
    write(pg_shop, LOCKED + f"op.add_column('books', sa.Column('note', sa.String(20), server_default={default}))")
    assert found(pg_shop) == []
    write(pg_shop, "op.add_column('shelves', sa.Column('token', sa.Uuid(), server_default=sa.text('gen_random_uuid()')))")
    assert found(pg_shop) == []  # volatile, but the table is empty


def test_a_generated_or_identity_column_rewrites(pg_shop, write):
    write(pg_shop, LOCKED + "op.add_column('books', sa.Column('twice', sa.Integer(), sa.Computed('id * 2', persisted=True)))")
    assert found(pg_shop) == [("pg-table-rewrite", "books", "twice", "warning")]


# -- pg-type-needs-using ----------------------------------------------------------------------


def test_a_type_postgresql_does_not_cast_by_itself_will_fail_even_on_an_empty_table(pg_shop, write):
    write(pg_shop, "op.alter_column('shelves', 'label', type_=sa.Integer())")
    assert pg_codes(pg_shop) == {"pg-type-needs-using"}  # (and type-narrowing's warning: text must become numbers)
    hit = finding(pg_shop, "pg-type-needs-using")
    assert hit.severity == "will fail" and "postgresql_using='label::integer'" in hit.fix
    assert "cannot be cast automatically" in refused(pg_shop.url, "ALTER TABLE shelves ALTER COLUMN label TYPE INTEGER")
    write(pg_shop, "op.alter_column('shelves', 'label', type_=sa.Integer(), postgresql_using='label::integer')")
    assert pg_codes(pg_shop) == set()  # the near miss: USING says how
    write(pg_shop, "op.alter_column('shelves', 'position', type_=sa.String(20))")
    assert found(pg_shop) == []  # integer to varchar: an assignment cast


# -- pg-index-not-concurrent and pg-concurrently-in-transaction -------------------------------

CONCURRENT_DROP = """
with op.get_context().autocommit_block():
    op.drop_index('ix_books_year', table_name='books', postgresql_concurrently=True)
"""


def test_an_index_built_without_concurrently_on_rows_blocks_writes(pg_shop, write):
    write(pg_shop, LOCKED + "op.create_index('ix_books_year', 'books', ['published_year'])")
    assert found(pg_shop) == [("pg-index-not-concurrent", "books", None, "warning")]
    hit = finding(pg_shop, "pg-index-not-concurrent")
    assert "SHARE lock" in hit.explanation and "4 rows" in hit.explanation
    assert ("`with op.get_context().autocommit_block():` `op.create_index('ix_books_year', 'books', ['published_year'], "
            "postgresql_concurrently=True)`") in hit.fix
    write(pg_shop, "op.create_index('ix_shelves_position', 'shelves', ['position'])")
    assert found(pg_shop) == []  # the same on an empty table: built at once


def test_the_concurrently_fix_upgrades_on_postgresql_and_lints_clean(pg_shop, write):
    write(pg_shop, LOCKED + "op.create_index('ix_books_year', 'books', ['published_year'])")
    fix = fix_code(finding(pg_shop, "pg-index-not-concurrent"), 0, 1)
    write(pg_shop, fix, CONCURRENT_DROP)
    assert found(pg_shop) == []
    move = pg_shop.upgrade()
    assert move.after == "0005" and "autocommit_block" in move.atomicity
    with pg_shop.reader.connect() as connection:
        valid = connection.exec_driver_sql(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_books_year'::regclass").scalar()
    assert valid is True
    assert pg_shop.downgrade("0004").after == "0004"


def test_a_unique_constraint_or_a_create_index_statement_builds_without_concurrently(pg_shop, write):
    write(pg_shop, LOCKED + "op.create_unique_constraint('uq_books_slug', 'books', ['slug'])")
    hit = finding(pg_shop, "pg-index-not-concurrent")
    assert "UNIQUE USING INDEX uq_books_slug" in hit.fix
    write(pg_shop, LOCKED + "op.execute('CREATE INDEX ix_books_slug ON books (slug)')")
    assert found(pg_shop) == [("pg-index-not-concurrent", "books", None, "warning")]


@pytest.mark.parametrize("body", [
    "op.create_index('ix_shelves_position', 'shelves', ['position'], postgresql_concurrently=True)",
    "op.execute('CREATE INDEX CONCURRENTLY ix_shelves_position ON shelves (position)')",
    "op.drop_index('ix_books_title_desc', table_name='books', postgresql_concurrently=True)",
])
def test_concurrently_inside_the_transaction_will_fail_whatever_the_data(pg_shop, write, body):
    write(pg_shop, body)
    assert pg_codes(pg_shop) == {"pg-concurrently-in-transaction"}  # (a dropped index is also the shared drop-index)
    hit = finding(pg_shop, "pg-concurrently-in-transaction")
    assert hit.severity == "will fail" and "autocommit_block()" in hit.fix
    assert "cannot run inside a transaction block" in refused(
        pg_shop.url, "CREATE INDEX CONCURRENTLY ix_shelves_position ON shelves (position)")
    write(pg_shop, "with op.get_context().autocommit_block():\n" + textwrap.indent(body, "    "))
    assert pg_codes(pg_shop) == set()


# -- pg-constraint-not-valid -----------------------------------------------------------------

ADD_FK = "op.create_foreign_key('fk_books_author', 'books', 'authors', ['author_id'], ['id'])"


def test_a_foreign_key_added_on_rows_is_checked_under_a_strong_lock(pg_shop, write):
    write(pg_shop, LOCKED + ADD_FK)
    assert found(pg_shop) == [("pg-constraint-not-valid", "books", None, "warning")]
    hit = finding(pg_shop, "pg-constraint-not-valid")
    assert "SHARE ROW EXCLUSIVE on `books` and `authors`" in hit.explanation and "4 rows" in hit.explanation
    assert ("ADD CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id) NOT VALID" in hit.fix
            and "postgresql_not_valid=True" in hit.fix and "VALIDATE CONSTRAINT fk_books_author" in hit.fix)


@pytest.mark.parametrize("form", ["sql", "postgresql_not_valid"])
def test_the_not_valid_fix_upgrades_on_postgresql_and_lints_clean(pg_shop, write, form):
    write(pg_shop, LOCKED + ADD_FK)
    hit = finding(pg_shop, "pg-constraint-not-valid")
    if form == "sql":  # the fix as written: ADD ... NOT VALID in SQL, then VALIDATE in an autocommit block
        add = fix_code(hit, 0)
    else:  # "or the same operation with postgresql_not_valid=True": recognised as the near miss that passes
        add = ADD_FK.replace("['id'])", "['id'], postgresql_not_valid=True)")
    write(pg_shop, LOCKED + add + "\n" + fix_code(hit, 2, 3),
          "op.drop_constraint('fk_books_author', 'books', type_='foreignkey')")
    assert found(pg_shop) == []
    assert pg_shop.upgrade().after == "0005"
    with pg_shop.reader.connect() as connection:
        validated = connection.exec_driver_sql(
            "SELECT convalidated FROM pg_constraint WHERE conname = 'fk_books_author'").scalar()
    assert validated is True  # added NOT VALID, then validated by the block


def test_the_not_valid_fix_in_sql_for_a_check_upgrades_and_lints_clean(pg_shop, write):
    write(pg_shop, """
        op.execute("SET LOCAL lock_timeout = '5s'")
        op.execute("ALTER TABLE books ADD CONSTRAINT ck_books_year CHECK (published_year > 1800) NOT VALID")
        with op.get_context().autocommit_block():
            op.execute("ALTER TABLE books VALIDATE CONSTRAINT ck_books_year")
    """, "op.drop_constraint('ck_books_year', 'books', type_='check')")
    assert found(pg_shop) == []
    assert pg_shop.upgrade().after == "0005"
    assert "violates check constraint" in refused(pg_shop.url, "UPDATE books SET published_year = 1700")


@pytest.mark.parametrize("body", [
    "op.create_check_constraint('ck_books_year', 'books', 'published_year > 1800')",
    "op.execute('ALTER TABLE books ADD CONSTRAINT ck_books_year CHECK (published_year > 1800)')",
    # NOT VALID, but validated in the same transaction: the ADD's lock is still held during the scan
    ("op.create_check_constraint('ck_books_year', 'books', 'published_year > 1800', postgresql_not_valid=True)\n"
     "op.execute('ALTER TABLE books VALIDATE CONSTRAINT ck_books_year')"),
])
def test_a_check_added_on_rows_without_a_later_validate(pg_shop, write, body):
    write(pg_shop, LOCKED + body)
    assert found(pg_shop) == [("pg-constraint-not-valid", "books", None, "warning")]
    assert "ACCESS EXCLUSIVE on `books`" in finding(pg_shop, "pg-constraint-not-valid").explanation


def test_a_constraint_on_an_empty_table_or_not_valid_is_silent(pg_shop, write):
    # (a foreign key to books locks books too, briefly: LOCKED keeps pg-no-lock-timeout out of this test)
    write(pg_shop, LOCKED + "op.create_foreign_key('fk_shelves_book', 'shelves', 'books', ['book_id'], ['id'])\n"
                   "op.create_check_constraint('ck_shelves_position', 'shelves', 'position > 0')")
    assert found(pg_shop) == []
    write(pg_shop, LOCKED + "op.create_check_constraint('ck_books_year', 'books', 'published_year > 1800', "
                            "postgresql_not_valid=True)")
    assert found(pg_shop) == []  # validated in a later revision, or never: no scan here


# -- pg-enum-add-value -----------------------------------------------------------------------


def test_add_value_inside_the_transaction_is_a_warning_on_postgresql_12_and_later(pg_shop, write):
    write(pg_shop, "op.execute(\"ALTER TYPE mood ADD VALUE 'meh'\")")
    [hit] = pg_shop.lint("0005")
    assert (hit.code, hit.table, hit.severity) == ("pg-enum-add-value", "mood", "warning")
    assert "cannot be used until" in hit.explanation and "autocommit_block()" in hit.fix
    write(pg_shop, "with op.get_context().autocommit_block():\n    op.execute(\"ALTER TYPE mood ADD VALUE 'meh'\")\n"
                   "op.execute(\"INSERT INTO shelves (label, mood) VALUES ('x', 'meh')\")")
    assert found(pg_shop) == []  # the near miss: committed before it is used


def test_add_value_then_using_it_in_the_same_transaction_will_fail(pg_shop, write):
    write(pg_shop, "op.execute(\"ALTER TYPE mood ADD VALUE 'meh'\")\n"
                   "op.execute(\"INSERT INTO shelves (label, mood) VALUES ('x', 'meh')\")")
    assert found(pg_shop) == [("pg-enum-add-value", "mood", None, "will fail")]
    assert "unsafe use of new value" in refused(
        pg_shop.url, "ALTER TYPE mood ADD VALUE 'meh'", "INSERT INTO shelves (label, mood) VALUES ('x', 'meh')")


def test_add_value_inside_a_transaction_will_fail_before_postgresql_12(pg_shop, write, monkeypatch):
    write(pg_shop, "op.execute(\"ALTER TYPE mood ADD VALUE 'meh'\")")
    assert pg_shop.lint("0005")[0].severity == "warning"  # this server: 16
    monkeypatch.setattr(Facts, "server_version", property(lambda self: (11, 22)))
    [hit] = pg_shop.lint("0005")
    assert (hit.code, hit.severity) == ("pg-enum-add-value", "will fail") and "PostgreSQL 11" in hit.explanation


def test_an_sa_enum_change_adds_no_value_on_postgresql(pg_shop, write):
    change = ("op.alter_column('shelves', 'mood', existing_type=sa.Enum('happy', 'sad', name='mood'), "
              "type_=sa.Enum('happy', 'sad', {}name='mood'))")
    write(pg_shop, change.format("'meh', "))
    assert found(pg_shop) == [("pg-enum-add-value", "shelves", "mood", "warning")]
    assert "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'" in finding(pg_shop, "pg-enum-add-value").fix
    write(pg_shop, change.format(""))
    assert found(pg_shop) == []  # the same labels: nothing to add


# -- pg-not-null-scan -------------------------------------------------------------------------

SET_NOT_NULL = "op.alter_column('books', 'published_year', existing_type=sa.Integer(), nullable=False)"


def test_set_not_null_on_rows_scans_under_access_exclusive(pg_shop, write):
    write(pg_shop, LOCKED + SET_NOT_NULL)
    assert found(pg_shop) == [("pg-not-null-scan", "books", "published_year", "warning")]
    hit = finding(pg_shop, "pg-not-null-scan")
    assert "4 rows" in hit.explanation and "ACCESS EXCLUSIVE" in hit.explanation
    assert "postgresql_not_valid=True" in hit.fix and "VALIDATE CONSTRAINT ck_books_published_year_not_null" in hit.fix
    write(pg_shop, LOCKED + "op.execute('ALTER TABLE books ALTER COLUMN published_year SET NOT NULL')")
    assert found(pg_shop) == [("pg-not-null-scan", "books", "published_year", "warning")]


def test_the_three_steps_upgrade_lint_clean_and_an_empty_table_is_silent(pg_shop, write):
    write(pg_shop, LOCKED + SET_NOT_NULL)
    hit = finding(pg_shop, "pg-not-null-scan")
    # The fix as written; SET LOCAL again after the block (pg-no-lock-timeout: it lasts one transaction).
    write(pg_shop, LOCKED + fix_code(hit, 0, 1, 2) + "\n" + LOCKED + fix_code(hit, 3, 4),
          "op.alter_column('books', 'published_year', existing_type=sa.Integer(), nullable=True)")
    assert found(pg_shop) == []
    assert pg_shop.upgrade().after == "0005"
    assert pg_shop.columns("books").set_index("column").loc["published_year", "nullable"] == False
    pg_shop.downgrade("0004")
    write(pg_shop, "op.alter_column('shelves', 'position', existing_type=sa.Integer(), nullable=False)")
    assert found(pg_shop) == []


def test_a_check_already_validated_in_the_database_spares_the_scan(pg_shop, write):
    with pg_shop.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE books ADD CONSTRAINT ck_year_set CHECK (published_year IS NOT NULL)")
    try:
        write(pg_shop, LOCKED + SET_NOT_NULL)
        assert found(pg_shop) == []
    finally:
        with pg_shop.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE books DROP CONSTRAINT ck_year_set")


# -- pg-no-lock-timeout -----------------------------------------------------------------------


def test_strong_locks_without_lock_timeout_are_one_finding_per_revision(pg_shop, write):
    write(pg_shop, "op.add_column('books', sa.Column('isbn', sa.String(13)))\n"
                   "op.add_column('authors', sa.Column('born', sa.Integer()))\n"
                   "op.drop_index('ix_books_title_desc', table_name='books')")
    assert found(pg_shop) == [("drop-index", "books", None, "warning"), ("pg-no-lock-timeout", "books", None, "warning")]
    hit = finding(pg_shop, "pg-no-lock-timeout")
    assert "ACCESS EXCLUSIVE" in hit.explanation and "queues behind it" in hit.explanation
    assert "SET LOCAL lock_timeout = '5s'" in hit.fix


@pytest.mark.parametrize("first", ["op.execute(\"SET LOCAL lock_timeout = '5s'\")", "op.execute('SET lock_timeout TO 2000')"])
def test_a_lock_timeout_set_first_or_an_empty_table_is_silent(pg_shop, write, first):
    write(pg_shop, f"{first}\nop.add_column('books', sa.Column('isbn', sa.String(13)))")
    assert found(pg_shop) == []
    write(pg_shop, "op.add_column('shelves', sa.Column('isbn', sa.String(13)))")
    assert found(pg_shop) == []


def test_set_local_does_not_outlive_an_autocommit_block_but_the_urls_options_count(pg_shop, write):
    write(pg_shop, """
        op.execute("SET LOCAL lock_timeout = '5s'")
        with op.get_context().autocommit_block():
            op.execute("ANALYZE books")
        op.add_column('books', sa.Column('isbn', sa.String(13)))
    """)
    assert found(pg_shop) == [("pg-no-lock-timeout", "books", None, "warning")]
    write(pg_shop, "op.add_column('books', sa.Column('isbn', sa.String(13)))")
    timed = pg_shop.with_database(sa.make_url(pg_shop.url).update_query_dict({"options": "-c lock_timeout=3s"})
                                  .render_as_string(hide_password=False))
    assert found(timed) == []


# -- the rest of the linter on PostgreSQL -----------------------------------------------------


def test_the_shared_rules_judge_postgresql_data(pg_shop, write):
    write(pg_shop, LOCKED + textwrap.dedent("""
        op.drop_column('books', 'slug')
        op.add_column('books', sa.Column('pages', sa.Integer(), nullable=False))
        op.alter_column('books', 'title', existing_type=sa.String(200), type_=sa.String(10))
        with op.get_context().autocommit_block():
            op.create_index('ix_books_author', 'books', ['author_id'], unique=True, postgresql_concurrently=True)
    """))
    assert [c for c in found(pg_shop) if not c[0].startswith("pg-")] == [
        ("drop-column", "books", "slug", "destructive"),
        ("not-null-no-default", "books", "pages", "will fail"),
        ("type-narrowing", "books", "title", "will fail"),  # PostgreSQL refuses values too long: it does not cut
        ("unique-on-duplicates", "books", "author_id", "will fail"),
    ]
    assert "value too long" in refused(pg_shop.url, "ALTER TABLE books ALTER COLUMN title TYPE varchar(10)")


@pytest.mark.parametrize("column, new", [
    ("price", "sa.Numeric(4, 1)"), ("weight", "sa.Integer()"), ("weight", "sa.Numeric(6, 2)"),
    ("added", "sa.Date()"), ("cover", "sa.String()"), ("position", "sa.SmallInteger()"),
])
def test_every_narrowing_question_is_valid_sql_on_postgresql(pg_shop, write, column, new):
    write(pg_shop, f"op.alter_column('shelves', '{column}', type_={new}, postgresql_using='NULL')")
    findings = pg_shop.lint("0005")
    assert findings.incomplete is None
    assert [(f.code, f.severity) for f in findings] == [("type-narrowing", "warning")]  # asked, and nothing here fails


def test_sqlite_only_rules_do_not_fire_on_postgresql(pg_shop, sqlite_shop, write):
    body = "with op.batch_alter_table('books') as batch_op:\n    batch_op.alter_column('title', type_=sa.String(300))"
    write(sqlite_shop, body)
    assert found(sqlite_shop) == [("batch-rebuild-loses-index", "books", None, "warning")]
    write(pg_shop, LOCKED + body)  # the same DESC index is there: PostgreSQL alters in place, nothing is rebuilt
    assert found(pg_shop) == []
    assert SQLITE_ONLY == {"batch-rebuild-loses-index"}


def test_postgresql_rules_do_not_fire_on_sqlite(pg_shop, sqlite_shop, write):
    body = """
        op.create_index('ix_books_year', 'books', ['published_year'])
        op.create_foreign_key('fk_books_author', 'books', 'authors', ['author_id'], ['id'])
        op.add_column('books', sa.Column('token', sa.Float(), server_default=sa.text('random()')))
        op.create_index('ix_books_slug', 'books', ['slug'], postgresql_concurrently=True)
    """
    write(pg_shop, body)
    assert pg_codes(pg_shop) == {"pg-index-not-concurrent", "pg-constraint-not-valid", "pg-table-rewrite",
                                 "pg-concurrently-in-transaction", "pg-no-lock-timeout"}
    write(sqlite_shop, body)
    assert found(sqlite_shop) == []


def test_an_autocommit_block_is_recorded_not_committed(pg_shop, write):
    write(pg_shop, """
        op.add_column('books', sa.Column('isbn', sa.String(13)))
        with op.get_context().autocommit_block():
            op.get_bind().execute(sa.text("UPDATE books SET title = upper(title)"))
            op.execute("ANALYZE books")
        op.execute("SELECT 1")
    """)
    before = pg_shop.rows("books")["title"].tolist()
    findings = pg_shop.lint("0005")
    assert findings.incomplete is None
    assert pg_shop.rows("books")["title"].tolist() == before  # the write inside the block was rolled back
    script = pg_shop.script_directory().get_revision("0005")
    recorded, problem = record_operations(script.module)
    assert problem is None
    assert [(type(op).__name__, transaction_of(op), in_autocommit(op)) for op in recorded] == [
        ("AddColumnOp", 0, False), ("ExecuteSQLOp", 1, True), ("ExecuteSQLOp", 2, False)]


def test_without_a_server_the_postgresql_rules_that_need_data_stay_silent(write, pg_shop):
    from alembic.operations import ops

    upgrade = ops.UpgradeOps([
        ops.CreateIndexOp("ix_books_year", "books", ["published_year"]),
        ops.CreateIndexOp("ix_books_slug", "books", ["slug"], postgresql_concurrently=True),
    ])
    offline = lint_ops(upgrade, "postgresql+psycopg://nobody@/nowhere?host=/nonexistent")
    assert [(f.code, f.severity) for f in offline] == [("pg-concurrently-in-transaction", "will fail")]
    assert [f.code for f in lint_ops(upgrade, pg_shop.url)] == [
        "pg-concurrently-in-transaction", "pg-index-not-concurrent", "pg-no-lock-timeout"]


def test_every_postgresql_code_is_covered_by_this_file():
    source = Path(__file__).read_text()
    assert PG_CODES == set(lint_rules.codes("postgresql")) - set(lint_rules.codes("sqlite"))
    assert [code for code in sorted(PG_CODES) if f'"{code}"' not in source] == []


# -- in Italian ---------------------------------------------------------------------------------


def test_the_postgresql_findings_speak_italian(pg_shop, write, italian):
    write(pg_shop, LOCKED + "op.alter_column('books', 'published_year', existing_type=sa.Integer(), type_=sa.BigInteger())")
    hit = finding(pg_shop, "pg-table-rewrite")
    assert hit.explanation.startswith("`books.published_year` passa da INTEGER a BIGINT: PostgreSQL riscrive l'intera tabella")
    assert "4 righe qui" in hit.explanation
    assert hit.fix.startswith("Invece di cambiare il tipo sul posto, fai expand e contract")
    assert "WHERE id >= {start} AND id < {start + 10_000}" in hit.fix  # the code in the fix is still code
    write(pg_shop, "op.add_column('books', sa.Column('isbn', sa.String(13)))")
    hit = finding(pg_shop, "pg-no-lock-timeout")
    assert "prende un lock ACCESS EXCLUSIVE su `books` (4 righe) senza un lock_timeout" in hit.explanation
    assert hit.fix.startswith("Prima imposta un lock timeout, in cima a upgrade()")


def test_an_enum_finding_in_italian_says_value_or_values(pg_shop, write, italian):
    change = ("op.alter_column('shelves', 'mood', existing_type=sa.Enum('happy', 'sad', name='mood'), "
              "type_=sa.Enum('happy', 'sad', {}name='mood'))")
    write(pg_shop, change.format("'meh', "))
    one = finding(pg_shop, "pg-enum-add-value")
    assert "senza quel valore" in one.explanation and "Il kit esegue un upgrade intero" in one.fix
    write(pg_shop, change.format("'meh', 'wow', "))
    assert "senza quei valori" in finding(pg_shop, "pg-enum-add-value").explanation
