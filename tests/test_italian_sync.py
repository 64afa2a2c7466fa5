"""The Italian edition (notebooks/it/) stays in step with the English notebooks.

tools/italian.py builds each Italian notebook from its English one and a translation file
(notebooks/it/translations/NN.yaml, keyed by cell id, each entry with the hash of the English
it was translated from). These tests fail when:

- an English cell changed and its translation was not updated (stale hash), or a cell has no
  translation, or the translation file names cells or comments that are gone;
- an Italian code cell differs from its English one in anything but comments, the ``it_``
  prefix of workspace names, and the generated line that sets the kit's language;
- the Italian notebook's outputs differ from the English ones in anything but the kit's messages
  (the kit speaks Italian there: each message read back through the catalogue must give the
  English output exactly);
- the committed Italian notebook is not what ``tools/italian.py build`` makes now;
- the notebooks do not add up: one Italian notebook per translation file, and the English
  notebooks without one are exactly NOT_YET_TRANSLATED (add a translation: shrink the list).

The notebooks are read as git would commit them (tools/committed.py): after
``tools/italian.py build``, `git add` the Italian notebook, then run the tests.

nbval runs the Italian notebooks like the English ones (pytest collects notebooks/it/ too),
each kernel in the notebook's own folder, so their workspaces are notebooks/it/workspaces/.
tests/test_notebooks.py checks only the English pages (notebooks/*.ipynb); the Italian
equivalents of its structure rules are at the end of the Italian text section here, the start
page's own (its table of notebooks, the total time, "Ricominciare da capo", the links between
the two start pages) after them.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import json
import io
import re
import string
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("tools_italian", ROOT / "tools" / "italian.py")
italian = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = italian
_spec.loader.exec_module(italian)

#: The English notebooks with no translation file yet. Translating one removes it from here.
NOT_YET_TRANSLATED = [
]

TRANSLATED = sorted(italian.translation_files())


def read(path: Path):
    """A notebook as git would commit it (tools/committed.py), not a class's autosave."""
    return italian.read(path, committed=True)


def pair(number: str):
    english = italian.english_notebooks(committed=True)[number]
    return read(english), read(italian.italian_path(english))


# ---------------------------------------------------------------- the notebooks add up

def test_the_english_notebooks_not_yet_translated_are_the_known_list():
    assert italian.not_yet_translated(committed=True) == NOT_YET_TRANSLATED, (
        "a translation file was added or removed, or an English notebook was added or renamed: "
        "update NOT_YET_TRANSLATED"
    )


def test_one_italian_notebook_per_translation_file():
    english, built = italian.english_notebooks(committed=True), italian.italian_notebooks(committed=True)
    assert sorted(built) == TRANSLATED, "every translations/NN.yaml has its notebooks/it/NN_*.ipynb, and only those"
    for number, path in built.items():
        assert path.name == english[number].name, "the Italian notebook keeps the English file name"
    assert len(english) == len(TRANSLATED) + len(NOT_YET_TRANSLATED)


# ---------------------------------------------------------------- translations are current

@pytest.mark.parametrize("number", TRANSLATED)
def test_every_cell_is_translated_from_the_current_english(number):
    _, problems = italian.generate(number, committed=True)
    assert not problems, "\n".join(map(str, problems)) + "\n(python tools/italian.py check --diff shows what changed)"


@pytest.mark.parametrize("number", TRANSLATED)
def test_the_committed_notebook_is_what_build_makes(number):
    generated, _ = italian.generate(number, committed=True)
    _, committed = pair(number)
    assert italian.comparable(committed) == italian.comparable(generated), (
        "notebooks/it/ was edited by hand or not rebuilt: python tools/italian.py build"
    )
    counts = [c.execution_count for c in committed.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "built but not executed, or not in order"


# ---------------------------------------------------------------- code: the English code

def code_tokens(source: str) -> tuple[list[str], list[tuple[int, str]]]:
    """A code cell as magic lines + tokens, comments and blank lines left out."""
    lines = source.split("\n")
    magic = [line for line in lines if line.lstrip().startswith(("%", "!"))]
    if not italian._python_body(source):
        return magic, [(0, line) for line in lines[1:] if not line.lstrip().startswith("#")]
    body = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
    skip = {tokenize.COMMENT, tokenize.NL}
    tokens = tokenize.generate_tokens(io.StringIO(body).readline)
    return magic, [(t.type, t.string) for t in tokens if t.type not in skip]


def only_workspace_prefix(english: str, italian_text: str) -> bool:
    return english != italian_text and re.sub(r"(?<![A-Za-z0-9])it_", "", italian_text) == english


def code_differences(english_nb, italian_nb) -> list[str]:
    """What differs between the code cells beyond comments, ``it_`` workspace prefixes and the language line."""
    found = []
    english_code = [c for c in english_nb.cells if c.cell_type == "code"]
    italian_code = [c for c in italian_nb.cells if c.cell_type == "code" and c.get("id") != "it-language"]
    if [c.get("id") for c in english_code] != [c.get("id") for c in italian_code]:
        return ["the code cells are not the English ones, in the same order"]
    for n, (en, it) in enumerate(zip(english_code, italian_code)):
        source = it.source
        if n == 0 and not any(c.get("id") == "it-language" for c in italian_nb.cells):
            first, _, source = source.partition("\n")
            if first != italian.LANGUAGE_LINE:
                found.append(f"{it.id}: the first code cell does not start with the language line")
        (en_magic, en_tokens), (it_magic, it_tokens) = code_tokens(en.source), code_tokens(source)
        if len(en_magic) != len(it_magic) or len(en_tokens) != len(it_tokens):
            found.append(f"{it.id}: not the English code")
            continue
        for a, b in zip(en_magic, it_magic):
            if a != b and not only_workspace_prefix(a, b):
                found.append(f"{it.id}: {b!r} instead of {a!r}")
        for (type_a, a), (type_b, b) in zip(en_tokens, it_tokens):
            if a != b and not (type_a == type_b == tokenize.STRING and only_workspace_prefix(a, b)):
                found.append(f"{it.id}: {b!r} instead of {a!r}")
    return found


@pytest.mark.parametrize("number", TRANSLATED)
def test_code_cells_are_the_english_ones_beyond_comments_and_workspace_names(number):
    english, committed = pair(number)
    assert code_differences(english, committed) == []


@pytest.mark.parametrize("number", TRANSLATED)
def test_the_first_code_cell_sets_the_kit_language_before_migrator_is_imported(number):
    _, committed = pair(number)
    first = next(c for c in committed.cells if c.cell_type == "code")
    assert first.source.split("\n", 1)[0] == italian.LANGUAGE_LINE


def english_view(text: str) -> str:
    """An Italian output as the English notebook shows it: workspace names and folders unprefixed."""
    text = text.replace("notebooks/it/workspaces/", "notebooks/workspaces/")
    return re.sub(r"""(workspaces/|['"])it_""", r"\1", text)


def sanitizers(path: Path = ROOT / "tools" / "sanitize.cfg") -> list[tuple[re.Pattern, str]]:
    """tools/sanitize.cfg's ``regex:`` / ``replace:`` pairs, which nbval applies before comparing."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(("regex:", "replace:"))]
    pairs = zip(lines[::2], lines[1::2])
    return [(re.compile(regex.split(":", 1)[1].strip()), replace.split(":", 1)[1].strip()) for regex, replace in pairs]


SANITIZERS = sanitizers()


def sanitize(text: str) -> str:
    """An output as nbval compares it: a backup's UTC time (tools/sanitize.cfg) is not a difference."""
    for pattern, replace in SANITIZERS:
        text = pattern.sub(replace, text)
    return text


def comparable_outputs(cell, view=lambda text: text) -> list:
    """What strict nbval compares: streams, errors' names and messages, the text/html/markdown data, sanitized.

    Like nbval, each stream is compared whole (all its outputs joined, where the first was):
    how the kernel split a cell's prints into outputs depends on timing, not on the code.
    """
    out, streams = [], {}
    for output in cell.outputs:
        if output.output_type == "stream":
            if output.name not in streams:
                streams[output.name] = len(out)
                out.append((output.name, ""))
            at = streams[output.name]
            out[at] = (output.name, out[at][1] + output.text)
        elif output.output_type == "error":
            out.append((output.ename, sanitize(view(output.evalue))))
        else:
            data = output.get("data", {})
            kinds = ("text/plain", "text/html", "text/markdown")
            if "<table" in data.get("text/html", ""):  # a DataFrame: its plain text pads columns to the
                kinds = ("text/html",)                 # widest value, so a translated cell moves the others
            shown = {k: sanitize(view(data[k])) for k in kinds if k in data}
            if "<table" in shown.get("text/html", ""):
                shown["text/html"] = TRUNCATED_CELL.sub(r"<td>\1…</td>", shown["text/html"])
            out.append(shown)
    for name, at in streams.items():
        out[at] = (name, sanitize(view(out[at][1])))
    return out


@dataclass(frozen=True)
class BackTranslation:
    pattern: re.Pattern  # the Italian msgstr, each {field} a group
    template: str  # the English msgid, each {field} the group's text
    literals: tuple[str, ...]  # the msgstr's fixed text: a cheap test before the regex


def _pattern_and_template(msgstr: str, msgid: str) -> BackTranslation | None:
    """A regex for ``msgstr`` (each ``{field}`` a group, within one line) and ``msgid`` with ``\\g<field>``."""
    if not msgstr.strip() or msgstr == msgid:
        return None
    fields: dict[str, str] = {}
    pattern, literals = "", []
    for literal, name, _spec, _conversion in string.Formatter().parse(msgstr):
        pattern += re.escape(literal)
        literals.append(literal)
        if name is not None:
            group = fields.setdefault(name, f"f{len(fields)}")
            pattern += f"(?P={group})" if pattern.count(f"(?P<{group}>") else f"(?P<{group}>[^\\n]+?)"
    if msgstr[:1].isalnum():  # a message starts and ends at word boundaries: "a {head}" is not "verific|a ..."
        pattern = r"(?<!\w)" + pattern
    if msgstr[-1:].isalnum():
        pattern += r"(?!\w)"
    elif msgstr.endswith("}"):  # a field at the end runs to the end of its clause, not one character
        pattern += r"(?=[),;<\]\n]|$)"
    template = ""
    for literal, name, _spec, _conversion in string.Formatter().parse(msgid):
        template += literal.replace("\\", "\\\\")
        if name is not None:
            template += f"\\g<{fields[name]}>"
    return BackTranslation(re.compile(pattern), template, tuple(piece for piece in literals if piece.strip()))


@functools.cache
def catalogue_pairs() -> list[tuple[str, str]]:
    """The Italian catalogue as (msgstr, msgid) pairs: plural forms each with its English form."""
    with open(ROOT / "migrator" / "locale" / "it" / "LC_MESSAGES" / "migrator.po", "rb") as handle:
        catalog = read_po(handle, locale="it")
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):  # plural: form 0 is the singular, the others the plural
            pairs += [(form, message.id[0] if i == 0 else message.id[1]) for i, form in enumerate(message.string)]
        else:
            pairs.append((message.string, message.id))
    # a hint or a solution (several lines) is shown stripped of its last newline
    pairs += [(msgstr.strip(), msgid.strip()) for msgstr, msgid in pairs if "\n" in msgstr.strip() and msgstr.strip() != msgstr]
    return pairs


@functools.cache
def back_translations() -> list[BackTranslation]:
    """Each Italian msgstr of the kit's catalogue as a regex, with its English msgid: longest first."""
    found = [found for msgstr, msgid in catalogue_pairs() if (found := _pattern_and_template(msgstr, msgid))]
    # A translation that is only a field ("an {lock}" is "{lock}" in Italian) has no text to find:
    # as a pattern it would match everything, again and again.
    found = [item for item in found if item.literals]
    return sorted(found, key=lambda item: -sum(map(len, item.literals)))


def _shape(text: str) -> str:
    """A message with its field names left out: ``head: {head}`` and ``head: {heads}`` have one shape."""
    return "".join(literal + ("{}" if name is not None else "") for literal, name, _s, _c in string.Formatter().parse(text))


@functools.cache
def ambiguities() -> list[BackTranslation]:
    """English messages whose Italian is the same text (``head: {head}`` and ``heads: {heads}`` are both
    ``head: ...`` in Italian): reading back cannot tell them apart, so both sides use the first one."""
    groups: dict[str, list[str]] = {}
    for msgstr, msgid in catalogue_pairs():
        if msgstr.strip() and msgid not in groups.setdefault(_shape(msgstr), []):
            groups[_shape(msgstr)].append(msgid)
    found = []
    for shape, msgids in groups.items():
        if shape == "{}":  # Italian keeps only the field ("an {lock}" is "{lock}"): so does English here
            found += [_same_shape(msgid, "{field}") for msgid in msgids if _shape(msgid) != "{}"]
        else:
            first, *others = sorted(msgids)
            found += [_same_shape(other, first) for other in others]
    return found


def _same_shape(msgid: str, first: str) -> BackTranslation:
    """A regex for ``msgid`` and ``first`` as its template, their fields matched by position."""
    pieces = [(literal, name) for literal, name, _s, _c in string.Formatter().parse(msgid)]
    pattern = "".join(re.escape(literal) + (f"(?P<f{i}>[^\\n]+?)" if name is not None else "")
                      for i, (literal, name) in enumerate(pieces))
    template = "".join(literal.replace("\\", "\\\\") + (f"\\g<f{i}>" if name is not None else "")
                       for i, (literal, name, _s, _c) in enumerate(string.Formatter().parse(first)))
    return BackTranslation(re.compile(pattern), template, tuple(lit for lit, _n in pieces if lit.strip()))


def canonical(text: str) -> str:
    """English text with each ambiguous message (see ``ambiguities``) written as its group's first."""
    for same in ambiguities():
        if all(piece in text for piece in same.literals):
            text = same.pattern.sub(same.template, text)
    return text


def english_again(text: str) -> str:
    """An Italian output with every kit message put back into English (messages inside messages too)."""
    for _pass in range(6):
        before = text
        for back in back_translations():
            if all(piece in text for piece in back.literals):
                text = back.pattern.sub(back.template, text)
        if text == before:
            break
    return text


ITALIAN_THOUSANDS = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{3})+(?![\w.])")
#: A DataFrame cell pandas cut at display.max_colwidth: where it is cut depends on the language.
TRUNCATED_CELL = re.compile(r"<td>([^<]{0,40})[^<]*\.\.\.</td>")


def english_numbers(text: str) -> str:
    """Italian thousands ("1.000.004", the kit writes them so in Italian) as English ones ("1,000,004")."""
    return ITALIAN_THOUSANDS.sub(lambda match: match.group().replace(".", ","), text)


def italian_view(text: str) -> str:
    """An Italian output as the English notebook would show it: workspaces unprefixed, the kit's
    messages back in English (HTML entities read as characters, as messages are escaped there)."""
    return english_view(english_again(english_numbers(html.unescape(text))))


def test_an_italian_kit_message_reads_back_as_the_english_one(tmp_path):
    """The rule below, on real messages: the kit's error and findings in both languages."""
    import migrator
    from migrator.workspace import Workspace

    ws = Workspace("sync_rule", root=tmp_path, reset=True, starter="bookshop")
    ws.upgrade()
    ws.app().add_book("Kindred", "Octavia E. Butler", published_year=1979)
    ws.edit_models("    published_year: Mapped[int | None]                                  # 0002\n", "")
    rev = ws.revision("drop published_year")

    def said() -> str:
        try:
            ws.upgrade("9999")
        except migrator.MigratorError as exc:
            error = str(exc)
        return error + "\n" + ws.lint(rev.id)._repr_markdown_()

    english = said()
    migrator.set_language("it")
    try:
        italian_text = said()
    finally:
        migrator.set_language(None)
    assert italian_text != english and "Come risolvere:" in italian_text
    assert english_again(italian_text) == english


@pytest.mark.parametrize("change", [
    lambda text: text.replace("0001", "0002", 1),                  # a revision id
    lambda text: text.replace("Come risolvere:", "Come risolvere: ", 1),  # a space
    lambda text: text.replace("1 valore", "2 valori", 1),          # a count
    lambda text: text + "\nuna riga in più",                       # an extra line
])
def test_an_italian_output_changed_in_any_other_way_is_caught(change):
    """Only a translation is allowed: any other difference still shows after back-translation."""
    import migrator
    from migrator.i18n import _, ngettext

    def message() -> str:
        return str(migrator.MigratorError(
            _("There is no revision {argument!r}.", argument="9999"),
            _("Use one of the known ids ({known}), 'head', 'base', or a relative step like '-1'.", known="0001, 0002"),
        )) + "\n" + ngettext("The revision drops `{table}.{column}`, which holds {values} here: "
                             "it is deleted, and a downgrade brings the column back empty.",
                             "The revision drops `{table}.{column}`, which holds {values} here: "
                             "they are deleted, and a downgrade brings the column back empty.",
                             1, table="books", column="slug", values=ngettext("{count:,} value", "{count:,} values", 1,
                                                                              count=1))

    english = message()
    migrator.set_language("it")
    try:
        italian_text = message()
    finally:
        migrator.set_language(None)
    assert english_again(italian_text) == english
    assert english_again(change(italian_text)) != english


@pytest.mark.parametrize("number", TRANSLATED)
def test_outputs_are_the_english_ones_in_italian(number):
    """What the code prints is the English notebook's, except the kit's messages, which are their
    catalogue translations: read back into English, every output equals the English one."""
    english, committed = pair(number)
    italian_cells = {c.get("id"): c for c in committed.cells if c.cell_type == "code"}
    for cell in (c for c in english.cells if c.cell_type == "code"):
        if "NBVAL_IGNORE_OUTPUT" in cell.source or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        expected = comparable_outputs(cell, lambda text: canonical(html.unescape(text)))
        assert comparable_outputs(italian_cells[cell.id], lambda text: canonical(italian_view(text))) == expected, cell.source


# ---------------------------------------------------------------- the Italian text

COURSE_PAGES = [n for n in TRANSLATED if n != italian.START_KEY]  # the start page has its own rules (below)


@pytest.mark.parametrize("number", COURSE_PAGES)
def test_italian_notebook_has_title_goals_recap_and_exercise(number):
    _, committed = pair(number)
    markdown = [c.source for c in committed.cells if c.cell_type == "markdown"]
    assert markdown[0].startswith("# ") and re.search(r"(?i)\bpass[oi] ", markdown[0]), "title and workflow step(s)"
    goals = markdown[0].split("Obiettivi di apprendimento", 1)
    assert len(goals) == 2, "an 'Obiettivi di apprendimento' section in the first cell"
    assert 3 <= len(re.findall(r"^\s*(?:[-*]|\d+\.)\s+\S", goals[1], flags=re.MULTILINE)) <= 5
    assert any(re.search(r"^#+ .*Riepilogo", m, flags=re.MULTILINE) for m in markdown)
    assert any(re.search(r"^#+ .*Esercizio", m, flags=re.MULTILINE) for m in markdown)


@pytest.mark.parametrize("number", TRANSLATED)
def test_italian_text_names_the_italian_workspaces_and_links_resolve(number):
    english, committed = pair(number)
    names = italian.workspace_names(english)
    for cell in (c for c in committed.cells if c.cell_type == "markdown"):
        for name in names:
            assert not re.search(rf"workspaces/{re.escape(name)}\b", cell.source), (
                f"{cell.id}: says workspaces/{name}; the Italian workspace is workspaces/{italian.PREFIX}{name}"
            )
        for target in re.findall(r"\]\(([^)#\s]+\.(?:ipynb|md))", cell.source):
            path = (italian.IT / target).resolve()
            assert path.exists(), f"{cell.id}: the link {target} goes nowhere"
            switch = path == italian.english_notebooks(committed=True)[number].resolve()  # "In English": this page
            if path.parent == italian.NOTEBOOKS and (italian.IT / path.name).exists() and not switch:
                raise AssertionError(f"{cell.id}: links the English {path.name}; the Italian one exists now")


# The Italian equivalents of tests/test_notebooks.py's rules for the English pages.

TIME = re.compile(r"\*\*Time:\*\*\s+about (\d+) minutes")
TEMPO = re.compile(r"\*\*Tempo:\*\*\s+circa (\d+) minuti")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+\.ipynb)\)")
FOLDED = re.compile(r"<details>\s*<summary>\s*<b>La risposta</b>.*?</summary>(.+?)</details>", re.S)


@pytest.mark.parametrize("number", COURSE_PAGES)  # the start page has no Time line of its own
def test_italian_time_line_is_the_english_one(number):
    english, committed = pair(number)
    found = TIME.search(english.cells[0].source)
    assert found, "the English first cell has a '**Time:** about N minutes' line"
    tempo = TEMPO.search(committed.cells[0].source)
    assert tempo and tempo.group(1) == found.group(1), f"'**Tempo:** circa {found.group(1)} minuti'"


@pytest.mark.parametrize("number", TRANSLATED)
def test_italian_predict_moment_and_folded_answer_where_the_english_has_them(number):
    english, committed = pair(number)
    cells = {c.get("id"): c for c in committed.cells}
    for i, cell in enumerate(english.cells):
        if cell.cell_type != "markdown":
            continue
        italian_text = cells[cell.id].source
        assert ("**Predict:**" in cell.source) == ("**Prevedi:**" in italian_text), f"{cell.id}: **Prevedi:**"
        if "<b>The answer</b>" in cell.source:
            fold = FOLDED.search(italian_text)
            assert fold and len(fold.group(1).split()) >= 15, f"{cell.id}: <details><summary><b>La risposta</b>"


@pytest.mark.parametrize("number", TRANSLATED)
def test_italian_last_cell_leads_to_the_next_page_in_italian_if_it_exists(number):
    english, committed = pair(number)
    assert english.cells[-1].source.startswith("**Next:**")
    last = committed.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("**Prossimo notebook:**")
    (_, english_target), = LINK.findall(english.cells[-1].source)
    links = LINK.findall(last.source)
    assert len(links) == 1, f"one link to a notebook in: {last.source!r}"
    label, target = links[0]
    expected = english_target if (italian.IT / english_target).exists() else f"../{english_target}"
    assert target == expected, f"the Next link goes to {expected} (the Italian page once it exists)"
    if target.startswith("../"):  # an English page: at least the same number
        assert label.split(" ", 1)[0] == LINK.findall(english.cells[-1].source)[0][0].split(" ", 1)[0]
    else:  # an Italian page: its own title, or the start of it
        title = read(italian.IT / target).cells[0].source.split("\n", 1)[0].removeprefix("# ")
        assert title.startswith(label), f"the link says {label!r}, the page is titled {title!r}"


# The Italian equivalents of tests/test_notebooks.py's rules for the start page.

def course_table(source: str) -> dict[str, tuple[str, str, int]]:
    """{file name: (link text, link target, minutes)} from the Markdown table rows that link a notebook."""
    rows = {}
    for line in source.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        links, minutes = LINK.findall(line), re.fullmatch(r"(\d+) min", cells[-1])
        if line.lstrip().startswith("|") and links and minutes:
            label, target = links[0]
            rows[target.rsplit("/", 1)[-1]] = (label, target, int(minutes.group(1)))
    return rows


def markdown_text(notebook) -> str:
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def test_italian_start_page_table_is_the_english_one_linking_italian_pages_where_they_exist():
    english, committed = pair(italian.START_KEY)
    english_rows, italian_rows = course_table(markdown_text(english)), course_table(markdown_text(committed))
    assert list(italian_rows) == list(english_rows), "every notebook, in the English table's order"
    lines = {name: line for line in markdown_text(committed).splitlines() for name in italian_rows if name in line}
    for name, (label, target, minutes) in italian_rows.items():
        assert minutes == english_rows[name][2], f"{name}: {minutes} min; the English table says {english_rows[name][2]}"
        assert label.split(" · ", 1)[0] == name[:2] and " · " in label, f"link text {label!r}: 'NN · Titolo'"
        if (italian.IT / name).exists():
            assert target == name, f"{name}: link the Italian notebook, it exists"
        else:
            assert target == f"../{name}" and "(per ora in inglese)" in lines[name], (
                f"{name}: not translated yet: link ../{name}, marked '(per ora in inglese)'")


def test_italian_start_page_says_what_how_long_and_how_to_start_again():
    english, committed = pair(italian.START_KEY)
    first = committed.cells[0].source
    assert first.startswith("# Inizia qui")
    total = sum(minutes for _, _, minutes in course_table(markdown_text(committed)).values())
    hours, minutes = divmod(total, 60)
    assert f"circa {hours} ore e {minutes} minuti" in first, f"the total is {hours} h {minutes} min"
    goals = first.split("## Che cosa imparerai", 1)
    assert len(goals) == 2
    english_goals = english.cells[0].source.split("## What you will learn", 1)[1].split("\n\n")[1]
    bullets = re.findall(r"^- \S", goals[1].split("\n\n")[1], flags=re.M)
    assert len(bullets) == len(re.findall(r"^- \S", english_goals, flags=re.M))
    everything = markdown_text(committed)
    assert "## Prima di iniziare" in everything and "make lab-it" in everything
    again = everything.split("## Ricominciare da capo", 1)[1]
    for how in ("Restart Kernel and Run All Cells", "exercise.start()", "notebooks/it/workspaces/",
                "make reset-notebooks", "git checkout -- notebooks/it/", "Revert Notebook to Checkpoint"):
        assert how in again, how


def test_the_english_and_italian_start_pages_link_each_other():
    english, committed = pair(italian.START_KEY)
    assert f"](it/{italian.START})" in english.cells[0].source, "the English start page links the Italian one"
    assert f"](../{italian.START})" in committed.cells[0].source, "the Italian start page links the English one"


# ---------------------------------------------------------------- the checks catch what they should

ENGLISH = [
    ("markdown", "m1", "# Title\n\nSome *prose*."),
    ("code", "c1", 'from migrator import Workspace\nws = Workspace("nbX", reset=True)'),
    ("code", "c2", "%%writefile workspaces/nbX/models.py\nx = 1  # set x\n# NBVAL_IGNORE_OUTPUT"),
    ("code", "c3", "ws.upgrade()"),
]


def english_notebook(tmp_path: Path, cells=ENGLISH) -> Path:
    make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    notebook = nbformat.v4.new_notebook(cells=[make[kind](source, id=cid) for kind, cid, source in cells])
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(notebook, path)
    return path


def translation(tmp_path: Path, english: Path, drop: str | None = None, comment: str = "# imposta x") -> Path:
    cells = {c.id: c for c in read(english).cells}
    entries = {
        "m1": f'  "m1":\n    en: {italian.source_hash(cells["m1"])}\n    it: |-\n      # Titolo\n\n      Un po\' di *prosa*.\n',
        "c2": f'  "c2":\n    en: {italian.source_hash(cells["c2"])}\n    comments:\n      "# set x": "{comment}"\n',
    }
    text = "notebook: 99_demo.ipynb\ncells:\n" + "".join(v for k, v in entries.items() if k != drop)
    path = tmp_path / "99.yaml"
    path.write_text(text)
    return path


def kinds(problems) -> list[tuple[str, str | None]]:
    return [(p.kind, p.cell) for p in problems]


def test_a_complete_translation_builds_the_italian_notebook(tmp_path):
    english = english_notebook(tmp_path)
    notebook, problems = italian.generate("99", english, translation(tmp_path, english))
    assert problems == []
    sources = [c.source for c in notebook.cells]
    assert sources[0] == "# Titolo\n\nUn po' di *prosa*."
    assert sources[1] == italian.LANGUAGE_LINE + '\nfrom migrator import Workspace\nws = Workspace("it_nbX", reset=True)'
    assert sources[2] == "%%writefile workspaces/it_nbX/models.py\nx = 1  # imposta x\n# NBVAL_IGNORE_OUTPUT"
    assert notebook.cells[0].metadata["translation"]["en"] == italian.source_hash(read(english).cells[0])
    assert code_differences(read(english), notebook) == []


def test_a_changed_english_markdown_cell_makes_its_translation_stale(tmp_path):
    english = english_notebook(tmp_path)
    yaml_file = translation(tmp_path, english)
    english_notebook(tmp_path, [("markdown", "m1", "# Title\n\nSome *better* prose."), *ENGLISH[1:]])
    assert kinds(italian.generate("99", english, yaml_file)[1]) == [("stale", "m1")]


def test_a_cell_without_translation_is_missing(tmp_path):
    english = english_notebook(tmp_path)
    assert kinds(italian.generate("99", english, translation(tmp_path, english, drop="m1"))[1]) == [("missing", "m1")]
    assert kinds(italian.generate("99", english, translation(tmp_path, english, drop="c2"))[1]) == [("missing", "c2")]


def test_a_changed_english_comment_is_stale_and_untranslated(tmp_path):
    english = english_notebook(tmp_path)
    yaml_file = translation(tmp_path, english)
    changed = [*ENGLISH[:2], ("code", "c2", "%%writefile workspaces/nbX/models.py\nx = 2  # set x to 2"), ENGLISH[3]]
    english_notebook(tmp_path, changed)
    assert sorted(kinds(italian.generate("99", english, yaml_file)[1])) == [
        ("missing", "c2"), ("orphan", "c2"), ("stale", "c2")]


def test_entries_for_cells_that_are_gone_are_orphans(tmp_path):
    english = english_notebook(tmp_path)
    yaml_file = translation(tmp_path, english)
    english_notebook(tmp_path, ENGLISH[1:])
    assert kinds(italian.generate("99", english, yaml_file)[1]) == [("orphan", "m1")]


def test_a_comment_translation_cannot_smuggle_in_code(tmp_path):
    english = english_notebook(tmp_path)
    problems = italian.generate("99", english, translation(tmp_path, english, comment="x = 3"))[1]
    assert kinds(problems) == [("invalid", "c2")]


def test_outputs_differing_only_where_nbval_sanitizes_compare_equal():
    def cell(text):
        return nbformat.v4.new_code_cell("prod.backup()", outputs=[nbformat.v4.new_output(
            "execute_result", {"text/plain": text}, execution_count=1)])

    made_then = cell("Backup('backups/prod-0004-20261202T003259.db', of='prod.db', revision='0004')")
    made_now = cell("Backup('backups/prod-0004-20261202T022344-2.db', of='prod.db', revision='0004')")
    other_revision = cell("Backup('backups/prod-0005-20261202T022344.db', of='prod.db', revision='0005')")
    assert comparable_outputs(made_now) == comparable_outputs(made_then)
    assert comparable_outputs(other_revision) != comparable_outputs(made_then)


def test_code_edited_in_the_italian_notebook_is_caught(tmp_path):
    english = english_notebook(tmp_path)
    notebook, _ = italian.generate("99", english, translation(tmp_path, english))
    notebook.cells[3].source = "ws.upgrade('+1')"
    assert [d[:3] for d in code_differences(read(english), notebook)] == ["c3:"]
    notebook.cells[3].source = "ws.upgrade()  # un commento"
    assert code_differences(read(english), notebook) == []
    notebook.cells[2].source = notebook.cells[2].source.replace("it_nbX", "it_nbY")
    assert code_differences(read(english), notebook) != []


def test_outputs_compare_streams_as_nbval_does_however_the_kernel_split_them():
    """The kernel flushes stdout when it likes: one print may land in one output or in two.
    nbval merges each stream before comparing, so the Italian check must too (and no more)."""
    make = nbformat.v4.new_output
    split = nbformat.v4.new_code_cell("print(1); print(2)", outputs=[
        make("stream", name="stdout", text="1\n"), make("execute_result", data={"text/plain": "x"}),
        make("stream", name="stdout", text="2\n")])
    merged = nbformat.v4.new_code_cell("print(1); print(2)", outputs=[
        make("stream", name="stdout", text="1\n2\n"), make("execute_result", data={"text/plain": "x"})])
    assert comparable_outputs(split) == comparable_outputs(merged)
    other = nbformat.v4.new_code_cell("print(1); print(3)", outputs=[
        make("stream", name="stdout", text="1\n3\n"), make("execute_result", data={"text/plain": "x"})])
    assert comparable_outputs(other) != comparable_outputs(merged)
    assert split.outputs[0].text == "1\n", "the cell itself is left as it was"


def test_an_unquoted_all_digit_hash_is_refused_not_read_as_a_number(tmp_path):
    """YAML reads ``en: 163840293235`` as an int (and ``0123...`` as octal): the cell would stay stale forever."""
    path = tmp_path / "99.yaml"
    path.write_text('notebook: 99_demo.ipynb\ncells:\n  "m1":\n    en: 163840293235\n    it: Ciao\n')
    with pytest.raises(ValueError, match=r'en: hash 163840293235 of cell m1 must be quoted \("163840293235"\)'):
        italian.load(path)


def test_stamp_writes_the_hash_quoted_so_digits_stay_a_string():
    text = 'notebook: 99_demo.ipynb\ncells:\n  "m1":\n    en: 4dae2fdaeaca\n    it: Ciao\n'
    stamped = italian.restamp(text, "m1", "163840293235")
    assert '    en: "163840293235"\n' in stamped
    assert italian.yaml.safe_load(stamped)["cells"]["m1"]["en"] == "163840293235"


def test_widget_state_is_not_part_of_what_build_decides():
    """Each run stores new random widget model ids in metadata.widgets (notebooks 08, 09): not a difference."""
    built = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Titolo", id="m1")])
    built.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed = nbformat.from_dict(json.loads(json.dumps(built)))
    executed.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"3f2a": {}}}}
    assert italian.comparable(executed) == italian.comparable(built)
    executed.metadata["kernelspec"]["name"] = "python2"
    assert italian.comparable(executed) != italian.comparable(built)


def test_reading_back_respects_word_boundaries_and_messages_with_one_italian_text():
    """``a {head}; ...`` does not start inside "verific|a"; ``head: {head}`` and ``heads: {heads}``
    are both ``head: ...`` in Italian, so either English reads as the same."""
    assert english_again("verifica di prod") == "verify prod"
    assert canonical("head: 0007") == canonical("heads: 0007") != canonical("heads: 0008")


def test_a_translation_that_is_only_a_field_is_not_read_back():
    """"an {lock}" is "{lock}" in Italian: a pattern with no text would match every character."""
    assert all(back.literals for back in back_translations())
    assert english_again("ACCESS EXCLUSIVE") == "ACCESS EXCLUSIVE"


def test_italian_numbers_and_cut_table_cells_compare_as_the_english():
    assert english_numbers("1.000.004 righe, pandas 3.1.1, 127.0.0.1") == "1,000,004 righe, pandas 3.1.1, 127.0.0.1"
    cut = TRUNCATED_CELL.sub(r"<td>\1…</td>", "<td>5 problem(s) going down and up again: 0030 (books: x, loa...</td>")
    assert cut == TRUNCATED_CELL.sub(r"<td>\1…</td>", "<td>5 problem(s) going down and up again: 0030 (books: x, ...</td>")


def test_a_field_at_the_end_of_a_message_reads_back_whole():
    assert english_again("(books: resta column isbn)") == "(books: column isbn left behind)"
