"""The explorer's logic without a browser: the methods the buttons call, the widgets' state, the database.

Every test drives a real workspace (the bookshop's reference chain on SQLite) and
checks both what the widget shows and what the database holds.
"""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from conftest import dump, write_revision_body

from migrator import RevisionError
from migrator.widgets import Explorer, Outcome


@pytest.fixture
def explorer(bookshop) -> Explorer:
    """The explorer on the bookshop at head, with two books."""
    bookshop.upgrade()
    shop = bookshop.app()
    shop.add_book("Kindred", "Octavia E. Butler", published_year=1979)
    shop.add_book("The Dispossessed", "Ursula K. Le Guin", published_year=1974)
    return Explorer(bookshop)


def output_text(output: widgets.Output) -> str:
    return "\n".join(item["data"].get("text/plain", "") for item in output.outputs)


def markdown(output: widgets.Output) -> str:
    return "\n".join(item["data"].get("text/markdown", "") for item in output.outputs)


def current_labels(explorer: Explorer) -> list[str]:
    return [label for label, _ in explorer.timeline.options if label.startswith("●")]


def test_opens_on_an_empty_database_at_base(bookshop):
    explorer = bookshop.explorer()
    assert isinstance(explorer, widgets.VBox)
    assert [value for _, value in explorer.timeline.options] == ["base", "0001", "0002", "0003", "0004"]
    assert current_labels(explorer) == ["● base  the empty database  (current)"]
    assert explorer.timeline.value == "base"
    assert explorer.version == []
    assert "no row" in output_text(explorer.version_output)
    assert "no tables yet" in markdown(explorer.diagram_output)
    assert explorer.table_picker.options == ()
    assert "empty database" in explorer.source.value
    assert repr(explorer) == "Explorer('shop', at base)"
    assert explorer._repr_mimebundle_()["text/plain"] == "Explorer('shop', at base)"


def test_upgrade_one_step_moves_the_database_and_every_panel(bookshop):
    explorer = bookshop.explorer()
    outcome = explorer.upgrade_one()
    assert outcome and outcome.kind == "moved"
    assert bookshop.current() == "0001"
    assert explorer.version == ["0001"]
    assert "0001" in output_text(explorer.version_output)
    assert current_labels(explorer) == ["● 0001  create authors and books  (current)"]
    assert "```mermaid\nerDiagram" in markdown(explorer.diagram_output)
    assert "authors ||--o{ books" in markdown(explorer.diagram_output)
    assert explorer.table_picker.options == ("authors", "books")
    assert explorer.table_picker.value == "books"  # the widest table
    assert "upgrade</b> base → 0001" in explorer.status.value


def test_the_buttons_call_the_same_methods(explorer, bookshop):
    explorer.downgrade_one_button.click()  # 0004's downgrade drops books.slug, which holds values
    assert bookshop.current() == "0004" and explorer.pending == ("downgrade", "-1")
    explorer.confirm_button.click()
    assert bookshop.current() == "0003"
    explorer.select("0001")
    explorer.downgrade_selected_button.click()  # 0002's downgrade drops the published years
    assert bookshop.current() == "0003"
    explorer.cancel_button.click()
    assert bookshop.current() == "0003" and explorer.pending is None
    explorer.downgrade_selected_button.click()
    explorer.confirm_button.click()
    assert bookshop.current() == "0001"
    explorer.upgrade_one_button.click()
    assert bookshop.current() == "0002"
    explorer.select("0004")
    explorer.upgrade_selected_button.click()
    assert bookshop.current() == "0004"


def test_dropping_an_empty_column_needs_no_confirmation(bookshop):
    """The linter judges by the data: published_year holds no values, nothing is lost."""
    bookshop.upgrade("0002")
    explorer = bookshop.explorer()
    assert explorer.downgrade_one().kind == "moved"
    assert bookshop.current() == "0001"


def test_a_step_the_linter_cannot_check_asks_first(bookshop, monkeypatch):
    """If the linter itself breaks on a step, the explorer asks rather than guesses."""
    import migrator.lint

    def broken(*args, **kwargs):
        raise RuntimeError("linter bug")

    bookshop.upgrade("0002")
    explorer = bookshop.explorer()
    monkeypatch.setattr(migrator.lint, "record_operations", broken)  # the linter breaks on every step
    before = dump(bookshop)
    outcome = explorer.downgrade_one()
    assert outcome.kind == "confirm"
    assert "0002 downgrade: could not be checked for data loss (linter bug)" in outcome.text
    assert dump(bookshop) == before
    assert explorer.confirm().kind == "moved" and bookshop.current() == "0001"


def test_a_destructive_upgrade_is_confirmed_and_acknowledged(explorer, bookshop):
    """ws.upgrade refuses to delete data unless acknowledged: the confirmation does that."""
    revision = bookshop.revision("drop published_year", autogenerate=False)
    write_revision_body(
        bookshop,
        revision,
        """
        with op.batch_alter_table("books") as batch_op:
            batch_op.drop_column("published_year")
        """,
        """
        op.add_column("books", sa.Column("published_year", sa.Integer(), nullable=True))
        """,
    )
    explorer.refresh()
    before = dump(bookshop)
    outcome = explorer.upgrade_one()
    assert outcome.kind == "confirm"
    assert "0005 upgrade: drops column books.published_year" in outcome.text
    assert dump(bookshop) == before
    outcome = explorer.confirm()
    assert outcome.kind == "moved", outcome.text
    assert bookshop.current() == "0005"
    assert "published_year" not in bookshop.columns("books")["column"].tolist()


def test_selecting_a_revision_shows_its_source_highlighted(explorer):
    explorer.select("0002")
    assert "versions/0002_add_published_year_to_books.py" in explorer.source.value
    assert "<span style=" in explorer.source.value  # pygments, inline styles
    assert "add_column" in explorer.source.value
    with pytest.raises(Exception, match="no revision '0009'"):
        explorer.select("0009")


def test_a_destructive_step_waits_for_a_confirmation(explorer, bookshop):
    before = dump(bookshop)
    outcome = explorer.downgrade_one()
    assert outcome.kind == "confirm" and not outcome
    assert "0004 downgrade: drops column books.slug" in outcome.text
    assert explorer.pending == ("downgrade", "-1")
    assert explorer.confirm_box.layout.display == "flex"
    assert "books.slug" in explorer.warning.value
    assert dump(bookshop) == before  # nothing ran
    assert explorer.version == ["0004"]

    outcome = explorer.confirm()
    assert outcome.kind == "moved"
    assert bookshop.current() == "0003"
    assert explorer.version == ["0003"]
    assert explorer.pending is None and explorer.confirm_box.layout.display == "none"
    assert "slug" not in markdown(explorer.diagram_output)
    assert sorted(bookshop.rows("books")["published_year"]) == [1974, 1979]  # data kept


def test_cancel_runs_nothing(explorer, bookshop):
    before = dump(bookshop)
    explorer.select("base")
    outcome = explorer.downgrade_selected()
    assert outcome.text.count("\n- ") == 4  # slug, published_year, books, authors
    assert "0001 downgrade: drops table authors" in outcome.text
    assert explorer.cancel().kind == "cancelled"
    assert explorer.pending is None
    assert dump(bookshop) == before
    assert explorer.confirm().kind == "error"  # nothing is waiting any more
    assert dump(bookshop) == before


def test_an_error_is_shown_inside_the_widget_and_changes_nothing(explorer, bookshop):
    before = dump(bookshop)
    outcome = explorer.upgrade_one()  # already at the head
    assert outcome.kind == "error"
    assert outcome.text.startswith("RevisionError: ")
    assert "How to fix:" in outcome.text
    assert "role='alert'" in explorer.status.value and "How to fix:" in explorer.status.value
    assert "Traceback" not in explorer.status.value
    assert dump(bookshop) == before
    explorer.select("0004")
    explorer.downgrade_one()
    explorer.confirm()
    outcome = explorer.downgrade_selected()  # 0004 is above 0003: not a downgrade
    assert outcome.kind == "error" and "not a valid downgrade target" in outcome.text
    assert bookshop.current() == "0003"


def test_a_revision_that_fails_halfway_leaves_the_database_as_it_was(explorer, bookshop):
    revision = bookshop.revision("add isbn, then break", autogenerate=False)
    write_revision_body(
        bookshop,
        revision,
        """
        op.add_column("books", sa.Column("isbn", sa.String(13), nullable=True))
        op.execute("UPDATE no_such_table SET x = 1")
        """,
    )
    explorer.refresh()
    before = dump(bookshop)
    outcome = explorer.upgrade_one()
    assert outcome.kind == "error"
    assert outcome.text.startswith("MigrationFailedError: ")
    assert "0005_add_isbn_then_break.py" in outcome.text
    assert dump(bookshop) == before  # no isbn column, alembic_version still 0004
    assert explorer.version == ["0004"]
    assert "isbn" not in markdown(explorer.diagram_output)


def test_a_broken_revision_file_is_reported_not_raised(explorer, bookshop):
    before = dump(bookshop)
    (bookshop.versions_path / "0005_broken.py").write_text('revision = "0005"\ndown_revision = "0004"\ndef upgrade(:\n')
    outcome = explorer.upgrade_one()
    assert outcome.kind == "error"
    assert "SyntaxError" in outcome.text and "How to fix:" in outcome.text
    assert dump(bookshop) == before


def test_upgrade_to_an_older_revision_explains_itself(explorer, bookshop):
    explorer.select("0002")
    outcome = explorer.upgrade_selected()
    assert outcome.kind == "unchanged"
    assert "Downgrade to selected" in outcome.text
    assert bookshop.current() == "0004"


def test_row_preview_follows_the_table_picker_and_the_moves(explorer, bookshop):
    explorer.show_table("books")
    assert "Kindred" in output_text(explorer.rows_output)
    assert "slug" in output_text(explorer.rows_output)
    assert "books</code>: 2 row(s)" in explorer.rows_caption.value
    explorer.show_table("authors")
    assert "Octavia E. Butler" in output_text(explorer.rows_output)
    explorer.show_table("books")
    explorer.downgrade_one()
    explorer.confirm()
    assert "slug" not in output_text(explorer.rows_output)
    assert "1979" in output_text(explorer.rows_output) and "1979.0" not in output_text(explorer.rows_output)
    explorer.select("base")
    explorer.downgrade_selected()
    explorer.confirm()
    assert bookshop.current() is None
    assert explorer.table_picker.options == ()
    assert "No tables yet" in explorer.rows_caption.value


def test_limit_caps_the_preview(bookshop):
    bookshop.upgrade()
    shop = bookshop.app()
    for n in range(5):
        shop.add_book(f"Book {n}", "Anon")
    explorer = bookshop.explorer(limit=3, table="books")
    assert explorer.table_picker.value == "books"
    assert "5 row(s), the first 3 shown" in explorer.rows_caption.value
    assert "Book 2" in output_text(explorer.rows_output) and "Book 3" not in output_text(explorer.rows_output)


def test_plans_follow_alembic(explorer, bookshop):
    assert bookshop.plan("downgrade", "0002").revisions == ["0004", "0003"]
    with pytest.raises(RevisionError):  # unresolvable: planning says why, as the move would
        bookshop.plan("upgrade", "+1")
    assert [str(d) for d in bookshop.plan("downgrade", "0003").dangers] == [
        "0004 downgrade: drops column books.slug"
    ]
    assert bookshop.plan("upgrade", "head").dangers == []


def test_an_unresolvable_move_is_refused_before_anything_runs(explorer, bookshop):
    before = dump(bookshop)
    outcome = explorer.upgrade_one()  # at head: there is no +1
    assert outcome.kind == "error" and outcome.text.startswith("RevisionError: ")
    assert dump(bookshop) == before


def test_outcome_renders_as_markdown():
    outcome = Outcome("confirm", "`downgrade -1` would delete data:\n- 0004 downgrade: drops column books.slug")
    assert outcome._repr_markdown_() == (
        "⚠ `downgrade -1` would delete data:\n\n- 0004 downgrade: drops column books.slug"
    )
    assert repr(outcome) == outcome.text


def test_any_failure_in_a_button_becomes_a_message(explorer, bookshop):
    """Even before a move starts (here: the migrations folder is gone), no exception escapes."""
    import shutil

    before = dump(bookshop)
    shutil.rmtree(bookshop.path / "migrations")
    outcome = explorer.downgrade_one()
    assert outcome.kind == "error"
    assert outcome.text.startswith("ScriptLocationError: ") and "How to fix:" in outcome.text
    assert "role='alert'" in explorer.status.value
    assert not any(button.disabled for button in (explorer.upgrade_one_button, explorer.confirm_button))
    assert dump(bookshop) == before
