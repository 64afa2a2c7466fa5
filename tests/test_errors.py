"""Every classic mistake ends in a MigratorError that says what happened and how to fix it,
and leaves the database exactly as it was."""

from __future__ import annotations

import pytest

from conftest import dump, unchanged, write_revision_body
from migrator import (
    AppError,
    MigrationFailedError,
    MigratorError,
    ModelsError,
    MultipleHeadsError,
    NeedsBatchModeError,
    NoChangesError,
    NotNullWithoutDefaultError,
    NotUpToDateError,
    RevisionError,
    ScriptLocationError,
    UnknownRevisionError,
)


def assert_teaches(error: MigratorError) -> None:
    """A message in two parts: what happened, and how to fix it."""
    assert error.what and error.fix
    assert str(error) == f"{error.what}\nHow to fix: {error.fix}"
    assert error._render_traceback_() == [f"{type(error).__name__}: {error.what}", f"How to fix: {error.fix}"]


def test_autogenerate_on_a_database_that_is_behind(authors_ws):
    authors_ws.downgrade("base")
    before, files = dump(authors_ws), sorted(authors_ws.versions()["file"])
    with pytest.raises(NotUpToDateError, match="at base.*newest revision is 0001") as caught:
        authors_ws.revision("again")
    assert_teaches(caught.value)
    assert "ws.upgrade()" in caught.value.fix
    assert dump(authors_ws) == before and sorted(authors_ws.versions()["file"]) == files


def test_autogenerate_with_no_changes_writes_nothing(authors_ws):
    with pytest.raises(NoChangesError, match="no difference") as caught:
        authors_ws.revision("nothing changed")
    assert "save" in caught.value.fix
    assert authors_ws.heads() == ["0001"]


def test_unknown_revision_id(bookshop):
    with pytest.raises(UnknownRevisionError, match="There is no revision '0009'") as caught:
        bookshop.upgrade("0009")
    assert "0001, 0002, 0003, 0004" in caught.value.fix
    assert bookshop.current() is None


def test_database_stamped_with_a_deleted_revision(bookshop):
    bookshop.upgrade()
    (bookshop.path / "migrations/versions/0004_add_slug_to_books_backfilled.py").unlink()
    with unchanged(bookshop), pytest.raises(UnknownRevisionError, match="stamped with revision '0004'.*deleted") as caught:
        bookshop.downgrade("-1")
    assert "Restore the revision file" in caught.value.fix


def test_relative_step_past_the_end(bookshop):
    with pytest.raises(RevisionError, match="database is at base"):
        bookshop.downgrade("-1")
    bookshop.upgrade()
    with pytest.raises(RevisionError, match="'\\+1' needs a newer"):
        bookshop.upgrade("+1")


def test_multiple_heads(bookshop):
    bookshop.upgrade()
    bookshop.revision("team a", autogenerate=False, head="0004", splice=True)
    bookshop.revision("team b", autogenerate=False, head="0004", splice=True)
    with unchanged(bookshop), pytest.raises(MultipleHeadsError, match="more than one head \\(0005, 0006\\)") as caught:
        bookshop.upgrade()
    assert "ws.merge" in caught.value.fix


def test_models_file_missing(ws):
    ws.models_path.unlink()
    with pytest.raises(ModelsError, match="models.py does not exist"):
        ws.revision("x")


def test_models_file_with_a_syntax_error_names_the_line(ws):
    source = ws.read_models().splitlines()
    source.insert(5, "class Broken(Base)  # the colon is missing")
    ws.write_models("\n".join(source) + "\n")
    with pytest.raises(ModelsError, match=r"models.py line 6: (invalid syntax|expected ':')") as caught:
        ws.revision("x")
    assert "Correct line 6" in caught.value.fix


def test_models_file_that_raises_names_the_line(ws):
    ws.write_models(ws.read_models() + "import does_not_exist\n")
    line = ws.read_models().count("\n")
    with pytest.raises(ModelsError, match=f"models.py line {line} raised ModuleNotFoundError"):
        ws.metadata()


def test_models_file_without_metadata(ws):
    ws.write_models("from sqlalchemy import String\n")
    with pytest.raises(ModelsError, match="defines no SQLAlchemy metadata") as caught:
        ws.revision("x")
    assert "DeclarativeBase" in caught.value.fix


def test_not_null_column_without_default_on_a_table_with_rows(authors_ws):
    with authors_ws.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO authors (name) VALUES ('Ursula K. Le Guin')")
    authors_ws.edit_models("mapped_column(String(100))", "mapped_column(String(100))\n    country: Mapped[str]")
    authors_ws.revision("add country")
    with unchanged(authors_ws), pytest.raises(NotNullWithoutDefaultError, match="0002_add_country.py.*NOT NULL") as caught:
        authors_ws.upgrade()
    assert_teaches(caught.value)
    assert "server_default" in caught.value.fix and "three steps" in caught.value.fix
    assert "rolled back" in caught.value.what


def test_alter_that_sqlite_cannot_do_outside_batch_mode(authors_ws):
    rev = authors_ws.revision("unique names", autogenerate=False)
    write_revision_body(authors_ws, rev, "op.create_unique_constraint('uq_authors_name', 'authors', ['name'])")
    with unchanged(authors_ws), pytest.raises(NeedsBatchModeError, match="0002_unique_names.py, line 2\\d: SQLite cannot") as caught:
        authors_ws.upgrade()
    assert "batch_alter_table" in caught.value.fix


def test_type_change_outside_batch_mode(authors_ws):
    rev = authors_ws.revision("longer names", autogenerate=False)
    write_revision_body(authors_ws, rev, "op.alter_column('authors', 'name', type_=sa.String(200))")
    with unchanged(authors_ws), pytest.raises(NeedsBatchModeError):
        authors_ws.upgrade()


def test_wrong_script_location(ws):
    ini = ws.ini_path.read_text().replace("script_location = %(here)s/migrations", "script_location = alembic")
    ws.ini_path.write_text(ini)
    with pytest.raises(ScriptLocationError, match="script_location = alembic") as caught:
        ws.heads()
    assert "ours: migrations" in caught.value.fix


def test_stale_app_and_app_ahead_of_the_database(authors_ws):
    authors_ws.write_models(authors_ws.read_models() + '''

class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship()
''')
    shop = authors_ws.app()
    with pytest.raises(AppError, match="no such table: books") as caught:
        shop.add_book("Kindred", author="Octavia E. Butler")
    assert "ws.upgrade()" in caught.value.fix
    assert authors_ws.rows("authors").empty  # the failed unit of work was rolled back
    authors_ws.revision("create books")
    authors_ws.upgrade()
    shop.add_book("Kindred", author="Octavia E. Butler")
    with pytest.raises(AppError, match="no field 'year'") as caught:
        shop.add_book("Dawn", author="Octavia E. Butler", year=1987)
    assert "shop = ws.app()" in caught.value.fix


def test_every_error_is_a_migrator_error():
    import migrator

    for name in migrator.__all__:
        obj = getattr(migrator, name)
        if isinstance(obj, type) and name.endswith("Error"):
            assert issubclass(obj, MigratorError), name


def test_upgrade_over_tables_made_by_create_all_suggests_stamp(bookshop):
    bookshop.metadata().create_all(bookshop.engine)
    with unchanged(bookshop), pytest.raises(MigrationFailedError, match="table authors already exists.*database is at base") as caught:
        bookshop.upgrade()
    assert "ws.stamp(" in caught.value.fix


def test_offline_sql_for_a_batch_operation_without_copy_from(bookshop):
    rev = bookshop.revision("longer titles", autogenerate=False)
    write_revision_body(
        bookshop, rev,
        "with op.batch_alter_table('books') as batch_op:\n    batch_op.alter_column('title', type_=sa.String(300))",
    )
    with pytest.raises(MigratorError, match="cannot proceed in --sql mode") as caught:
        bookshop.sql("0004:0005")
    assert "copy_from=" in caught.value.fix
