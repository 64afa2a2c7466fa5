"""The kit speaks Italian: the catalogue is complete and in step with the source, and the
language switches real errors, lint findings, promotion reports and exercise messages.

The catalogue tests extract the marked strings from migrator/ as ``pybabel extract`` does
(Babel's own extractor, with babel.cfg), so a string marked but not translated fails here.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import migrator
from migrator import i18n
from migrator.exercises import get
from migrator.i18n import _, placeholders
from migrator.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "migrator" / "locale" / "it" / "LC_MESSAGES" / "migrator.po"


@pytest.fixture
def italian():
    """The kit in Italian for one test, English again afterwards."""
    migrator.set_language("it")
    yield
    migrator.set_language(None)


def extracted() -> set:
    """Every msgid marked in migrator/ (a tuple for a plural), as pybabel extract finds them."""
    method_map = [("**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT / "migrator"), method_map):
        found.add(message if isinstance(message, str) else tuple(message[:2]))
    return found


def catalog():
    with open(PO, "rb") as handle:
        return read_po(handle, locale="it")


def ids(message) -> tuple:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def strings(message) -> tuple:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_every_marked_string_is_in_the_catalogue():
    known = {m.id for m in catalog() if m.id}
    missing = sorted(map(str, extracted() - known))
    assert not missing, f"{len(missing)} msgids lack an entry (run pybabel extract + update, then translate): {missing[:5]}"


def test_the_catalogue_has_no_entry_the_source_no_longer_marks():
    entries = catalog()
    obsolete = sorted(map(str, {m.id for m in entries if m.id} - extracted())) + sorted(map(str, entries.obsolete))
    assert not obsolete, f"entries no longer in the source (pybabel update --ignore-obsolete): {obsolete[:5]}"


def test_every_entry_has_an_italian_translation_that_is_not_fuzzy():
    untranslated = [m.id for m in catalog() if m.id and (m.fuzzy or not all(s.strip() for s in strings(m)))]
    assert not untranslated, f"{len(untranslated)} entries without a (non-fuzzy) Italian msgstr: {untranslated[:5]}"


def test_every_translation_has_the_placeholders_of_its_msgid():
    wrong = []
    for m in catalog():
        if not m.id:
            continue
        expected = sorted(set(placeholders(ids(m)[-1])) | set(placeholders(ids(m)[0])))
        for string in strings(m):
            if sorted(set(placeholders(string))) != expected:
                wrong.append((ids(m)[0], string))
    assert not wrong, f"placeholders differ: {wrong[:3]}"


def test_a_translation_with_a_missing_placeholder_is_caught():
    """The check above can fail: a msgstr that drops {name} differs from its msgid."""
    assert sorted(set(placeholders("Il database è a base."))) != sorted(set(placeholders("It is at {current}.")))


def test_the_catalogue_compiles_and_the_plural_rule_is_italian():
    compiled = io.BytesIO()
    write_mo(compiled, catalog(), use_fuzzy=False)
    assert compiled.getvalue()
    assert catalog().num_plurals == 3  # CLDR's Italian: one, many (millions), other


def test_english_is_the_default_and_the_msgid_itself(monkeypatch):
    monkeypatch.delenv("MIGRATOR_LANG", raising=False)
    migrator.set_language(None)
    assert migrator.language() == "en"
    assert _("How to fix:") == "How to fix:"


def test_set_language_switches_and_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("MIGRATOR_LANG", "en")
    try:
        assert migrator.set_language("it") == "it"
        assert _("How to fix:") == "Come risolvere:"
        monkeypatch.setenv("MIGRATOR_LANG", "it")
        assert migrator.set_language("en") == "en"
        assert _("How to fix:") == "How to fix:"
    finally:
        migrator.set_language(None)


def test_the_environment_variable_is_read_when_a_message_is_made(monkeypatch):
    migrator.set_language(None)
    monkeypatch.setenv("MIGRATOR_LANG", "it_IT.UTF-8")
    assert _("Cancel") == "Annulla"
    monkeypatch.setenv("MIGRATOR_LANG", "en")
    assert _("Cancel") == "Cancel"


def test_an_unknown_language_is_a_clear_migrator_error(monkeypatch):
    with pytest.raises(migrator.MigratorError) as raised:
        migrator.set_language("fr")
    assert "'fr'" in raised.value.what and "set_language" in raised.value.fix
    assert migrator.language() == "en"  # unchanged
    monkeypatch.setenv("MIGRATOR_LANG", "klingon")
    with pytest.raises(migrator.MigratorError) as raised:
        _("Cancel")
    assert "MIGRATOR_LANG" in raised.value.what and "'klingon'" in raised.value.what
    assert "How to fix:" in str(raised.value)  # the error about the language is itself readable


def test_an_italian_notebook_gets_italian_without_calling_set_language():
    """tools/italian.py's LANGUAGE_LINE sets MIGRATOR_LANG before the kit is imported."""
    code = (
        'import os; os.environ["MIGRATOR_LANG"] = "it"\n'
        "import migrator\n"
        "from migrator.errors import MigratorError\n"
        "print(str(MigratorError('x', 'y')).splitlines()[1])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "Come risolvere: y"


# -- real messages, both ways -------------------------------------------------------------


def test_a_real_error_in_italian_and_back(tmp_path):
    ws = Workspace("i18n_errors", root=tmp_path, reset=True, starter="bookshop")
    with pytest.raises(migrator.UnknownRevisionError) as english:
        ws.upgrade("9999")
    assert english.value.what == "There is no revision '9999'."
    migrator.set_language("it")
    try:
        with pytest.raises(migrator.UnknownRevisionError) as italian:
            ws.upgrade("9999")
        assert italian.value.what == "Non esiste la revisione '9999'."
        assert italian.value.fix.startswith("Usa uno degli id noti (0001, ")
        assert str(italian.value).splitlines()[-1].startswith("Come risolvere: Usa uno degli id noti")
        assert italian.value._render_traceback_()[1].startswith("Come risolvere:")
    finally:
        migrator.set_language(None)
    with pytest.raises(migrator.UnknownRevisionError) as again:
        ws.upgrade("9999")
    assert again.value.what == english.value.what


def test_lint_findings_in_italian_and_back(tmp_path):
    ws = Workspace("i18n_lint", root=tmp_path, reset=True, starter="bookshop")
    ws.upgrade()
    ws.app().add_book("Kindred", "Octavia E. Butler", published_year=1979)
    ws.edit_models("    published_year: Mapped[int | None]                                  # 0002\n", "")
    rev = ws.revision("drop published_year")
    english = ws.lint(rev.id)
    assert "The revision drops `books.published_year`, which holds 1 value here: it is deleted" in english[0].explanation
    assert "**Fix:**" in english._repr_markdown_() and "(destructive)" in english._repr_markdown_()
    migrator.set_language("it")
    try:
        italian = ws.lint(rev.id)
        assert [f.code for f in italian] == [f.code for f in english]  # codes are data: the same
        assert italian[0].explanation.startswith(
            "La revisione elimina `books.published_year`, che qui contiene 1 valore: viene cancellato")
        markdown = italian._repr_markdown_()
        assert "**Correzione:**" in markdown and "(distruttivo)" in markdown
        assert f"**Linter per la revisione `{rev.id}`:** 1 segnalazione" in markdown
    finally:
        migrator.set_language(None)
    assert ws.lint(rev.id)[0].explanation == english[0].explanation


def test_a_promotion_report_in_italian(tmp_path, italian):
    ws = Workspace("i18n_promote", root=tmp_path, reset=True, starter="bookshop")
    ws.upgrade()
    ws.add_environment("prod", tmp_path / "prod.db")
    report = ws.promote("prod", dry_run=True)
    markdown = report._repr_markdown_()
    assert "**Promozione `dev` → `prod`**: ✓ fatto" in markdown
    assert "| passo | stato | dettaglio |" in markdown
    assert "le verifiche standard passano" in markdown and "prova a secco (dry run)" in markdown
    assert [s.status for s in report.steps][-1] == "skipped"  # statuses are data, words are translated
    assert "saltato" in markdown


def test_exercise_messages_in_italian(tmp_path, italian):
    exercise = get("nb01")
    exercise.start(tmp_path)
    feedback = exercise.check(tmp_path)
    assert not feedback
    assert feedback._repr_markdown_().startswith("✗ **Non ancora.**")
    assert "models.py non definisce ancora una tabella chiamata 'publishers'" in feedback.message
    assert exercise.hint()._repr_markdown_().startswith("💡 **Suggerimento.** Copia la forma della classe `Author`")
    solution = exercise.solution()._repr_markdown_()
    assert "Mostra la soluzione" in solution and "# passo 4: applicala" in solution
    assert exercise.solve(tmp_path)._repr_markdown_().startswith("✓ **Corretto.** publishers (id, name) esiste")


def test_the_explorer_labels_in_italian(tmp_path, italian):
    ws = Workspace("i18n_widget", root=tmp_path, reset=True, starter="bookshop")
    explorer = ws.explorer()
    assert explorer.upgrade_one_button.description == "Upgrade di un passo"
    assert explorer.cancel_button.description == "Annulla"
    assert explorer.table_picker.description == "Tabella"
    outcome = explorer.upgrade_one()
    assert outcome.text.startswith("**upgrade** base → 0001: eseguite")


def test_numbers_are_written_the_italian_way_in_italian_only():
    """20.000 and 2,5 in Italian; English keeps str.format's 20,000 and 2.5, byte for byte."""
    import numpy as np

    from migrator.i18n import ngettext

    try:
        migrator.set_language("it")
        assert ngettext("{count:,} row", "{count:,} rows", 20000, count=20000) == "20.000 righe"
        assert ngettext("{count:,} row", "{count:,} rows", 1_000_004, count=np.int64(1_000_004)) == "1.000.004 righe"
        assert ngettext("{count:,} row", "{count:,} rows", 1, count=1) == "1 riga"
        timeout = _("Another connection kept {name} busy for {timeout:g} s, so {label} was "
                    "not restored: {name} is unchanged.", name="app.db", timeout=2.5, label="backups/x.db")
        assert "per 2,5 s" in timeout and "app.db" in timeout and "backups/x.db" in timeout  # names untouched
        assert _("There is no revision {argument!r}.", argument=1.5) == "Non esiste la revisione 1.5."  # !r: as written
        migrator.set_language("en")
        assert ngettext("{count:,} row", "{count:,} rows", 20000, count=20000) == "20,000 rows"
        assert "for 2.5 s" in _("Another connection kept {name} busy for {timeout:g} s, so {label} was "
                                "not restored: {name} is unchanged.", name="app.db", timeout=2.5, label="x")
    finally:
        migrator.set_language(None)
