"""The course as a static HTML site, to read without a kernel (a phone, a train): `make site`.

    .venv/bin/python tools/static_site.py                          # the whole course -> _site/
    .venv/bin/python tools/static_site.py --only start 05 it/01    # a few pages (start page, 05, Italian 01)
    .venv/bin/python tools/static_site.py --out /tmp/site

Open ``_site/index.html`` in a browser (no server needed). Each notebook, English
(``notebooks/``) and Italian (``notebooks/it/``), is read as committed (tools/committed.py) with
its stored outputs and becomes ``en/NN_name.html`` or ``it/NN_name.html``: nbconvert with
JupyterLab's own stylesheet, so pandas tables, tracebacks and highlighted code look as in
JupyterLab, inside a template of ours that adds the contents, previous/next, a language switch,
the notebook to download and a link to open it in JupyterLab. Links between notebooks
(``NN_name.ipynb``, ``../NN_name.ipynb``) become links between pages. Mermaid fences (Markdown
cells, ``text/markdown`` outputs) are drawn as SVG in the browser by the Mermaid that
tools/bundled.py takes from npm at build time: nothing is fetched when the site is read. A
widget (the explorer) cannot run without a kernel: the page shows a snapshot of it, drawn from
the widget state the notebook saved, and says so.

Why nbconvert: it is already installed (JupyterLab exports with it), it renders outputs with
JupyterLab's CSS, and it needs no Node and no new package. Jupyter Book 2 (MyST) runs on Node;
Jupyter Book 1 brings Sphinx and a theme; mkdocs-jupyter brings MkDocs and a theme that loads
web fonts unless configured not to.
"""

from __future__ import annotations

import argparse
import html
import posixpath
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make tools/ importable as a package
    sys.path.insert(0, str(ROOT))

import nbformat
from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from migrator.errors import MigratorError
from tools.bundled import MERMAID, bundled_files

SITE = ROOT / "_site"
CACHE = ROOT / ".cache" / "npm"
FILES = Path(__file__).resolve().parent / "site_files"
TEMPLATES = FILES / "templates"
TEMPLATE = "migration_lab"
STATIC = "static"
START = "00_start_here.ipynb"
START_KEY = "start"
COURSE_NAME = re.compile(r"\d\d_[a-z0-9_]+\.ipynb")
#: The editions: their folder in the repository, and in the site.
EDITIONS = {"en": "notebooks", "it": "notebooks/it"}
LANGUAGE_NAMES = {"en": "English", "it": "Italiano"}
#: Where `make lab` serves the course (JupyterLab's default port).
LAB_URL = "http://localhost:8888/lab/tree/"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MARKED_SCRIPTS = "<!--site:scripts-->"
#: Written into every build: the next build empties only a folder that has it (or an empty one).
BUILD_MARK = ".migration-lab-site"

TEXT = {
    "en": {
        "contents": "Contents",
        "course": "The course",
        "previous": "Previous",
        "next": "Next",
        "download": "Download the notebook",
        "download_title": "The .ipynb file, with its outputs, to run in JupyterLab",
        "open": "Open in JupyterLab",
        "open_title": "Needs the course running on this computer: make lab",
        "switch_title": "This page in English",
        "switch_missing": "This page is not yet translated into Italian: this leads to the Italian edition",
        "fallback": "English",
        "snapshot": "A snapshot of this interactive widget, as the notebook saved it: its buttons "
                    "and lists need a running kernel. Download the notebook, or open it in "
                    "JupyterLab, to use it.",
        "footer": "Migration Lab, read-only: the notebooks as committed, with their stored outputs. "
                  "To run the code, download a notebook or open it in JupyterLab.",
        "landing": "Learn database migrations with SQLAlchemy 2 and Alembic.",
    },
    "it": {
        "contents": "Indice",
        "course": "Il corso",
        "previous": "Precedente",
        "next": "Successivo",
        "download": "Scarica il notebook",
        "download_title": "Il file .ipynb, con i suoi output, da eseguire in JupyterLab",
        "open": "Apri in JupyterLab",
        "open_title": "Serve il corso avviato su questo computer: make lab",
        "switch_title": "Questa pagina in italiano",
        "switch_missing": "Questa pagina non esiste in inglese: porta all'edizione inglese",
        "fallback": "inglese",
        "snapshot": "Un'istantanea di questo widget interattivo, come il notebook l'ha salvata: "
                    "pulsanti ed elenchi funzionano solo con un kernel attivo. Scarica il "
                    "notebook, o aprilo in JupyterLab, per usarlo.",
        "footer": "Migration Lab, in sola lettura: i notebook come sono nel repository, con i loro "
                  "output. Per eseguire il codice, scarica un notebook o aprilo in JupyterLab.",
        "landing": "Impara le migrazioni di database con SQLAlchemy 2 e Alembic.",
    },
}


# ---------------------------------------------------------------- the pages

@dataclass(frozen=True)
class Page:
    """One notebook of one edition, and where it goes in the site."""

    language: str
    source: str  # repository-relative, /-separated: notebooks/it/01_first_model_first_revision.ipynb
    title: str

    @property
    def name(self) -> str:
        return posixpath.basename(self.source)

    @property
    def key(self) -> str:
        """``start`` for the start page, else the notebook's number (00 is the welcome notebook)."""
        return START_KEY if self.name == START else self.name[:2]

    @property
    def path(self) -> str:
        """The page, relative to the site's root."""
        return site_path(self.source)

    @property
    def download(self) -> str:
        """The notebook's own file, beside its page."""
        return posixpath.join(self.language, self.name)

    @property
    def label(self) -> str:
        return self.title.removesuffix(" · Migration Lab")


def site_path(source: str) -> str:
    """Where the notebook at ``source`` (repository-relative) is in the site, built or not."""
    folder, name = posixpath.split(source)
    language = next(lang for lang, there in EDITIONS.items() if there == folder)
    return f"{language}/{name.removesuffix('.ipynb')}.html"


def _order(page: Page) -> tuple[int, str]:
    return (0, "") if page.key == START_KEY else (1, page.key)


def title_of(notebook) -> str:
    """The first Markdown heading of level 1, as plain text; the file name if there is none."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found = re.search(r"^#\s+(.+?)\s*#*$", cell.source, re.MULTILINE)
            if found:
                text = re.sub(r"[*_`]", "", found.group(1))
                return re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", text)
    return ""


def course_sources(known) -> list[str]:
    """Every course notebook of both editions as the tests see them (``known``: tools/committed.py's
    Versions): the tracked ones, or without git the ones on disk."""
    root = known.root
    if known.use_git:
        candidates = list(known.tracked)  # untracked copies (Untitled.ipynb) are not the course
    else:
        candidates = [path.relative_to(root).as_posix()
                      for folder in EDITIONS.values() for path in (root / folder).glob("*.ipynb")]
    return sorted(path for path in candidates
                  if posixpath.dirname(path) in EDITIONS.values()
                  and COURSE_NAME.fullmatch(posixpath.basename(path))
                  and (root / path).exists())


def select(sources: list[str], only: list[str] | None) -> list[str]:
    """The sources named by ``only`` (``start``, ``05``, ``it/01``, ``it/start``); all without it."""
    if not only:
        return sources
    chosen = []
    for wanted in only:
        language, _, key = wanted.rpartition("/")
        folder = EDITIONS.get(language or "en")
        matches = [s for s in sources if posixpath.dirname(s) == folder and (
            (key == START_KEY and posixpath.basename(s) == START)
            or (key != START_KEY and posixpath.basename(s) != START and posixpath.basename(s).startswith(key)))]
        if folder is None or not matches:
            raise MigratorError(
                f"--only {wanted}: no course notebook has that name.",
                "Use start, a notebook's number (05) or either with it/ before it (it/01).",
            )
        chosen += [m for m in matches if m not in chosen]
    return sorted(chosen)


# ---------------------------------------------------------------- links and language

ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
HREF = re.compile(r"""\bhref=(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


def rewrite_links(body: str, page: Page, course: set[str]) -> tuple[str, list[str]]:
    """Links to course notebooks become links to their pages; the relative links left unmapped."""
    unmapped: list[str] = []

    def anchor(match: re.Match) -> str:
        tag = match.group(0)
        if re.search(r"\bdownload\b", tag):
            return tag
        found = HREF.search(tag)
        if not found:
            return tag
        target = html.unescape(found.group(2))
        if re.match(r"[a-z][a-z0-9+.-]*:|#|/", target, re.IGNORECASE) or not target:
            return tag
        path, _, fragment = target.partition("#")
        if not path.endswith(".ipynb"):
            if not path.endswith(".html"):  # the site's own links are pages already
                unmapped.append(target)
            return tag
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page.source), path))
        if resolved not in course:
            unmapped.append(target)
            return tag
        new = posixpath.relpath(site_path(resolved), posixpath.dirname(page.path))
        new += f"#{fragment}" if fragment else ""
        return tag[:found.start(2)] + html.escape(new) + tag[found.end(2):]

    return ANCHOR.sub(anchor, body), unmapped


@dataclass
class Site:
    """The pages being built, and what each page's navigation needs to know about the others."""

    pages: list[Page]
    course: set[str]  # every course notebook (built or not), so links point where a full build puts them
    unmapped: dict[str, list[str]] = field(default_factory=dict)

    def edition(self, language: str) -> list[Page]:
        """The pages a reader of ``language`` walks through: the course in order, each page in
        that language where it is translated, else in English."""
        by_key: dict[str, Page] = {}
        for page in sorted(self.pages, key=_order):
            if page.language == "en":
                by_key.setdefault(page.key, page)
        for page in self.pages:
            if page.language == language:
                by_key[page.key] = page
        return sorted(by_key.values(), key=_order)

    def counterpart(self, page: Page, language: str) -> Page | None:
        """The same page in ``language``; else that edition's start page, else its first page."""
        same = [p for p in self.pages if p.language == language]
        candidates = ([p for p in same if p.key == page.key] + [p for p in same if p.key == START_KEY]
                      + sorted(same, key=_order))
        return candidates[0] if candidates else None


def _href(page: Page, target: str) -> str:
    return html.escape(posixpath.relpath(target, posixpath.dirname(page.path)))


def header_html(site: Site, page: Page, reader: str) -> str:
    """The bar at the top: the course's name (to its first page), the language switch, the
    notebook to download, and the link that opens it in JupyterLab."""
    text = TEXT[reader]
    edition = site.edition(reader)
    home = edition[0] if edition else page
    switches = []
    for language in EDITIONS:
        if language == page.language:
            switches.append(f'<span class="site-language-current" lang="{language}">{LANGUAGE_NAMES[language]}</span>')
            continue
        other = site.counterpart(page, language)
        if other is None:
            continue
        exact = other.key == page.key
        title = TEXT[language]["switch_title"] if exact else text["switch_missing"]
        switches.append(
            f'<a class="site-language" lang="{language}" hreflang="{language}" href="{_href(page, other.path)}"'
            f' title="{html.escape(title)}">{LANGUAGE_NAMES[language]}</a>'
        )
    return (
        '<header class="site-header">'
        f'<a class="site-home" href="{_href(page, home.path)}">Migration Lab</a>'
        '<nav class="site-tools" aria-label="page">'
        f'<a class="site-contents-link" href="#site-contents">{text["contents"]}</a>'
        f'<span class="site-languages">{" ".join(switches)}</span>'
        f'<a class="site-download" href="{html.escape(page.name)}" download="{html.escape(page.name)}"'
        f' type="application/x-ipynb+json" title="{html.escape(text["download_title"])}">{text["download"]}</a>'
        f'<a class="site-open" href="{html.escape(LAB_URL + page.source)}"'
        f' title="{html.escape(text["open_title"])}">{text["open"]}</a>'
        "</nav></header>"
    )


def contents_html(site: Site, page: Page, reader: str) -> str:
    text = TEXT[reader]
    items = []
    for entry in site.edition(reader):
        current = ' aria-current="page"' if entry == page else ""
        fallback = (f' <span class="site-fallback" lang="{reader}">({text["fallback"]})</span>'
                    if entry.language != reader else "")
        items.append(f'<li><a href="{_href(page, entry.path)}"{current} lang="{entry.language}">'
                     f"{html.escape(entry.label)}</a>{fallback}</li>")
    return (f'<nav id="site-contents" class="site-contents" aria-label="{text["contents"]}">'
            f'<h2>{text["course"]}</h2><ol>{"".join(items)}</ol></nav>')


def pager_html(site: Site, page: Page, reader: str) -> str:
    text = TEXT[reader]
    edition = site.edition(reader)
    links = []
    if page in edition:
        at = edition.index(page)
        if at > 0:
            links.append(f'<a rel="prev" href="{_href(page, edition[at - 1].path)}">'
                         f'← {text["previous"]}: {html.escape(edition[at - 1].label)}</a>')
        if at + 1 < len(edition):
            links.append(f'<a rel="next" href="{_href(page, edition[at + 1].path)}">'
                         f'{text["next"]}: {html.escape(edition[at + 1].label)} →</a>')
    return f'<nav class="site-pager" aria-label="{text["previous"]} / {text["next"]}">{"".join(links)}</nav>'


# ---------------------------------------------------------------- Markdown, and widgets: a snapshot

class MermaidEscapingRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, except that a Mermaid fence's text is HTML-escaped: nbconvert
    puts it into the page as it is, so a ``<br>`` or ``x < y`` in a label became markup and the
    diagram's source (the element's text) lost it."""

    def block_mermaidjs(self, code: str) -> str:
        return f'<div class="jp-Mermaid"><pre class="mermaid">\n{html.escape(code.strip(), quote=False)}\n</pre></div>'


class SiteExporter(HTMLExporter):
    """nbconvert's HTML exporter with :class:`MermaidEscapingRenderer` for Markdown cells and outputs."""

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = MermaidEscapingRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)


def _markdown(source: str) -> str:
    return MarkdownWithMath(renderer=MermaidEscapingRenderer(escape=False)).render(source)


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_html(output: dict) -> str:
    """One output stored in an Output widget, as a page shows it (rich first, as JupyterLab does)."""
    data = output.get("data", {})
    if "text/html" in data:
        return f'<div class="jp-RenderedHTMLCommon jp-RenderedHTML">{_joined(data["text/html"])}</div>'
    if "text/markdown" in data:
        return f'<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown">{_markdown(_joined(data["text/markdown"]))}</div>'
    if output.get("output_type") == "stream":
        return f'<div class="jp-RenderedText"><pre>{html.escape(_joined(output.get("text", "")))}</pre></div>'
    if output.get("output_type") == "error":
        lines = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.get("traceback", [])))
        return f'<div class="jp-RenderedText" data-mime-type="application/vnd.jupyter.stderr"><pre>{html.escape(lines)}</pre></div>'
    if "text/plain" in data:
        return f'<div class="jp-RenderedText"><pre>{html.escape(_joined(data["text/plain"]))}</pre></div>'
    return ""


def _layout_style(states: dict, reference) -> str:
    layout = states.get(str(reference).removeprefix("IPY_MODEL_"), {}).get("state", {})
    rules = [f"{name.replace('_', '-')}:{value}" for name, value in layout.items()
             if not name.startswith("_") and value not in (None, "")
             and re.fullmatch(r"[\w\s.%#(),-]+", str(value))]
    return html.escape(";".join(rules))


def widget_html(states: dict, model_id: str) -> str:
    """The saved state of a widget and its children as static HTML (controls shown disabled)."""
    model = states.get(model_id)
    if model is None:
        return ""
    name, state = model.get("model_name", ""), model.get("state", {})
    classes = " ".join(["site-widget", f"site-{name.removesuffix('Model').lower()}",
                        *state.get("_dom_classes", [])])
    style = _layout_style(states, state.get("layout", ""))
    opening = f'<div class="{html.escape(classes)}" style="{style}">'
    children = "".join(widget_html(states, str(child).removeprefix("IPY_MODEL_"))
                       for child in state.get("children", []))
    if name in ("HTMLModel", "HTMLMathModel"):
        inner = state.get("value", "")
    elif name == "LabelModel":
        inner = html.escape(state.get("value", ""))
    elif name == "ButtonModel":
        inner = f'<button type="button" disabled>{html.escape(state.get("description", ""))}</button>'
    elif name in ("DropdownModel", "SelectModel"):
        labels = state.get("_options_labels", [])
        chosen = state.get("index")
        size = f' size="{int(state.get("rows") or 5)}"' if name == "SelectModel" else ""
        options = "".join(f'<option{" selected" if i == chosen else ""}>{html.escape(label)}</option>'
                          for i, label in enumerate(labels))
        label = html.escape(state.get("description", ""))
        inner = f'<label>{label} <select disabled{size}>{options}</select></label>'
    elif name == "OutputModel":
        inner = "".join(_output_html(output) for output in state.get("outputs", []))
    else:
        inner = children
        children = ""
    return f"{opening}{inner}{children}</div>"


def freeze_widgets(notebook, reader: str) -> int:
    """Replace each widget view with a snapshot from the saved state; how many were replaced."""
    saved = notebook.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            snapshot = widget_html(saved, view.get("model_id", ""))
            if not snapshot:  # no saved state: what the kernel printed for it
                plain = html.escape(_joined(output["data"].get("text/plain", "")))
                snapshot = f"<pre>{plain}</pre>"
            output["data"] = {"text/html": (
                f'<div class="site-widget-snapshot"><p class="site-widget-note">{html.escape(TEXT[reader]["snapshot"])}</p>'
                f"{snapshot}</div>")}
            replaced += 1
    return replaced


# ---------------------------------------------------------------- the build

def _exporter(language: str) -> HTMLExporter:
    return SiteExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name=TEMPLATE,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=language,
    )


def _jupyterlab_css(exporter: HTMLExporter) -> str:
    """JupyterLab's stylesheet and light theme, as nbconvert's lab template ships them."""
    for folder in exporter.template_paths:
        index = Path(folder) / "static" / "index.css"
        if index.exists() and (index.parent / "theme-light.css").exists():
            return index.read_text(encoding="utf-8") + "\n" + (index.parent / "theme-light.css").read_text(encoding="utf-8")
    raise MigratorError("nbconvert's lab template has no static/index.css.",
                        "Reinstall nbconvert (it comes with jupyterlab): make lab reinstalls the environment.")


def render(site: Site, page: Page, notebook, exporter: HTMLExporter) -> str:
    notebook.metadata["title"] = page.title if "Migration Lab" in page.title else f"{page.title} · Migration Lab"
    freeze_widgets(notebook, page.language)
    chrome = {
        "header": header_html(site, page, page.language),
        "contents": contents_html(site, page, page.language),
        "pager": pager_html(site, page, page.language),
        "footer": html.escape(TEXT[page.language]["footer"]),
        "static": posixpath.relpath(STATIC, posixpath.dirname(page.path)) + "/",
    }
    body, _ = exporter.from_notebook_node(notebook, resources={"site": chrome})
    body, unmapped = rewrite_links(body, page, site.course)
    if unmapped:
        site.unmapped[page.source] = unmapped
    scripts = ""
    if 'class="mermaid"' in body:
        scripts = (f'<script src="{chrome["static"]}mermaid.min.js" defer></script>\n'
                   f'<script src="{chrome["static"]}diagrams.js" defer></script>')
    return body.replace(MARKED_SCRIPTS, scripts)


def landing_html(site: Site) -> str:
    """The site's index.html: both editions' first pages."""
    items = []
    for language in EDITIONS:
        edition = [p for p in site.edition(language) if p.language == language]
        if edition:
            items.append(f'<li lang="{language}"><a hreflang="{language}" href="{html.escape(edition[0].path)}">'
                         f'{LANGUAGE_NAMES[language]}</a>: {html.escape(TEXT[language]["landing"])}</li>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        "<title>Migration Lab</title>"
        f'<link rel="stylesheet" href="{STATIC}/site.css"></head>'
        '<body class="site-landing"><main><h1>Migration Lab</h1>'
        f'<ul class="site-editions">{"".join(items)}</ul></main></body></html>\n'
    )


def build(out: Path = SITE, only: list[str] | None = None, *, root: Path = ROOT,
          cache: Path = CACHE, log=print) -> Site:
    """Write the site into ``out`` (emptied first); the pages built."""
    from tools.committed import versions

    started = time.perf_counter()
    known = versions(root)
    course = course_sources(known)
    chosen = select(course, only)
    texts = {source: known.text(root / source) for source in chosen}  # as committed
    notebooks = {source: nbformat.reads(text, as_version=4) for source, text in texts.items()}
    language_of = {folder: language for language, folder in EDITIONS.items()}
    pages = [Page(language_of[posixpath.dirname(s)], s, title_of(nb) or posixpath.basename(s))
             for s, nb in notebooks.items()]
    site = Site(pages=sorted(pages, key=lambda p: (p.language, _order(p))), course=set(course))

    scripts = bundled_files(MERMAID, cache)
    _empty(out)
    (out / STATIC).mkdir(parents=True)
    (out / BUILD_MARK).write_text("made by tools/static_site.py: the next build empties this folder\n")
    exporters = {language: _exporter(language) for language in EDITIONS}
    (out / STATIC / "jupyterlab.css").write_text(_jupyterlab_css(exporters["en"]), encoding="utf-8")
    for name in ("site.css", "diagrams.js"):
        shutil.copy2(FILES / name, out / STATIC / name)
    (out / STATIC / "mermaid.min.js").write_bytes(scripts["dist/mermaid.min.js"])
    (out / STATIC / "mermaid.LICENSE.txt").write_bytes(scripts["LICENSE"])

    for page in site.pages:
        began = time.perf_counter()
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(site, page, notebooks[page.source], exporters[page.language]), encoding="utf-8")
        (out / page.download).write_text(texts[page.source], encoding="utf-8")
        log(f"{page.path:55s} {time.perf_counter() - began:5.1f} s")
    (out / "index.html").write_text(landing_html(site), encoding="utf-8")
    for source, links in site.unmapped.items():
        log(f"warning: {source} links to {', '.join(sorted(set(links)))}, which is not a course page")
    log(f"{len(site.pages)} pages in {out} in {time.perf_counter() - started:.1f} s")
    return site


def _empty(out: Path) -> None:
    """Remove a previous build at ``out``; refuse to empty anything else (``--out .`` by mistake)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise MigratorError(f"--out {out} is not a folder.", "Give a folder for the site, such as _site.")
    if out.is_dir() and any(out.iterdir()):
        if not (out / BUILD_MARK).is_file():
            raise MigratorError(
                f"--out {out} already has files that an earlier build did not write; the build empties its folder.",
                "Give a new or empty folder, or an earlier site build (make site writes _site/).",
            )
        shutil.rmtree(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=SITE, help="the folder to write (emptied first)")
    parser.add_argument("--only", nargs="+", metavar="PAGE",
                        help="build only these pages: start, a number (05), it/01, it/start")
    arguments = parser.parse_args(argv)
    try:
        build(arguments.out, arguments.only)
    except MigratorError as error:
        print(f"{type(error).__name__}: {error.what}\nHow to fix: {error.fix}", file=sys.stderr)
        return 1
    print(f"open {arguments.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
