"""The four standard migration checks (pytest-alembic's), on the repository and on broken histories."""

from __future__ import annotations

from conftest import write_revision_body
from migrator import PROJECT_ROOT, Workspace
from migrator.checks import (
    models_match_schema,
    run_checks,
    single_head,
    up_down_consistency,
    upgrade_from_empty,
)

REPO = Workspace.open(PROJECT_ROOT)


def test_repository_has_a_single_head():
    assert single_head(REPO).passed


def test_repository_upgrades_from_empty_to_head():
    result = upgrade_from_empty(REPO)
    assert result.passed, result.detail
    assert result.detail == "applied 4 revision(s): 0001, 0002, 0003, 0004"


def test_repository_models_match_the_migrated_schema():
    result = models_match_schema(REPO)
    assert result.passed, result.detail


def test_repository_revisions_go_up_and_down_consistently():
    result = up_down_consistency(REPO)
    assert result.passed, result.detail


def test_checks_never_touch_the_workspace_database(bookshop):
    bookshop.upgrade("0002")
    frame = run_checks(bookshop)
    assert frame["passed"].all(), frame
    assert frame["check"].tolist() == ["single head", "upgrade from empty", "models match schema", "up/down consistency"]
    assert bookshop.current() == "0002"


def test_two_heads_fail_single_head(bookshop):
    bookshop.revision("a", autogenerate=False, head="0004", splice=True)
    bookshop.revision("b", autogenerate=False, head="0004", splice=True)
    result = single_head(bookshop)
    assert not result.passed and result.detail == "heads: 0005, 0006"


def test_a_model_change_without_a_revision_fails_models_match_schema(bookshop):
    bookshop.edit_models("    published_year: Mapped[int | None]", "    published_year: Mapped[int | None]\n    pages: Mapped[int | None]")
    result = models_match_schema(bookshop)
    assert not result.passed
    assert "add_column books.pages" in result.detail


def test_a_downgrade_that_forgets_a_column_fails_up_down_consistency(bookshop):
    rev = bookshop.revision("add pages", autogenerate=False)
    write_revision_body(bookshop, rev, "op.add_column('books', sa.Column('pages', sa.Integer()))", "pass")
    result = up_down_consistency(bookshop)
    assert not result.passed
    assert "0005 (books: column pages left behind)" in result.detail
    assert result.frame()[["revision", "table", "object", "before"]].values.tolist() == [["0005", "books", "column pages", None]]


def test_every_revision_that_does_not_undo_itself_is_reported_with_a_diff(bookshop):
    pages = bookshop.revision("add pages", autogenerate=False)
    write_revision_body(bookshop, pages, "op.add_column('books', sa.Column('pages', sa.Integer()))", "pass")
    index = bookshop.revision("index titles descending", autogenerate=False)
    write_revision_body(bookshop, index, "op.create_index('ix_title_desc', 'books', [sa.text('title DESC')])",
                        "op.drop_index('ix_title_desc', 'books')\nop.create_index('ix_title_desc', 'books', ['title'])")
    frame = up_down_consistency(bookshop).frame()
    assert set(frame["revision"]) == {"0005", "0006"}  # both, not just the first
    [row] = frame[frame["revision"] == "0006"].to_dict("records")
    assert row["object"] == "index ix_title_desc" and row["before"] is None  # an ascending index left behind


def test_the_structure_compared_ignores_ddl_text_and_order(bookshop):
    """A downgrade that re-creates a table with other quoting and column order restores the same structure."""
    rev = bookshop.revision("rebuild authors", autogenerate=False)
    write_revision_body(bookshop, rev, "op.execute('SELECT 1')", """
        op.execute('CREATE TABLE "t2" ("name" VARCHAR(100) NOT NULL, id INTEGER NOT NULL, CONSTRAINT pk_t2 PRIMARY KEY (id))')
        op.execute('INSERT INTO t2 (id, name) SELECT id, name FROM authors')
        op.execute('DROP TABLE authors')
        op.execute('ALTER TABLE t2 RENAME TO authors')
        op.execute('CREATE UNIQUE INDEX uq_authors_name ON authors (name)')
    """)
    result = up_down_consistency(bookshop)
    assert result.passed or "authors" not in result.detail.split("(")[0], result.detail


def test_a_revision_that_cannot_run_fails_upgrade_from_empty(bookshop):
    rev = bookshop.revision("broken", autogenerate=False)
    write_revision_body(bookshop, rev, "op.drop_table('no_such_table')")
    result = upgrade_from_empty(bookshop)
    assert not result.passed and "0005_broken.py" in result.detail


def test_branches_and_a_merge_pass_every_check(bookshop):
    """Histories with a merge revision are normal: each check walks the graph, not a line."""
    for name in ("isbn", "pages"):
        rev = bookshop.revision(f"add {name}", autogenerate=False, head="0004", splice=True)
        write_revision_body(
            bookshop, rev,
            f"op.add_column('books', sa.Column('{name}', sa.Integer()))",
            f"op.drop_column('books', '{name}')",
        )
    bookshop.merge("merge isbn and pages")
    bookshop.edit_models(
        "    published_year: Mapped[int | None]",
        "    published_year: Mapped[int | None]\n    isbn: Mapped[int | None]\n    pages: Mapped[int | None]",
    )
    frame = run_checks(bookshop)
    assert frame["passed"].all(), frame.to_dict("records")


def test_the_up_down_details_in_italian(bookshop, italian):
    """up_down_consistency writes its details in the kit's language, the failure's data as it is."""
    result = up_down_consistency(bookshop)
    assert result.detail == "4 revisioni sono salite, scese e risalite con lo stesso schema ogni volta"
    rev = bookshop.revision("add pages", autogenerate=False)
    write_revision_body(bookshop, rev, "op.add_column('books', sa.Column('pages', sa.Integer()))", "pass")
    result = up_down_consistency(bookshop)
    assert not result.passed
    assert result.detail.startswith("1 problema scendendo e risalendo: 0005 (books: resta column pages)")
    assert result.frame()["revision"].tolist() == ["0005"]  # the data stays as it is
