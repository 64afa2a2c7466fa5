"""The static site (tools/static_site.py) built for real and read in headless Chromium, offline.

The whole course is built, as `make site` builds it (about 12 s of CPU: bench/RESULTS.md), and
every page is checked without a browser: each links only to pages of the site, has as many
diagrams as its notebook has Mermaid fences, and loads nothing from the web. The browser then
reads the pages that have every kind of content, to keep make test quick: the start page,
notebook 02 (diagrams, pandas tables, errors) and its Italian translation, and notebook 08 (the
explorer's widget snapshot, diagrams inside it). ``MIGRATOR_SITE_PAGES=all`` has the browser read
every page (twice the time).

The site is served by a loopback http.server, and the browser cannot reach anything else: every
request to another address is refused by a route (and recorded), and Chromium's proxy is a
closed loopback port, so nothing leaves the machine even past the route. The tests then check:
each diagram is an SVG (as many as the notebook has Mermaid fences), no console error, no request
that left (or tried to), every relative link leads to a page, the language switch, the download
of the committed notebook, and a screenshot (size, not blank, the title in view). One page is also
opened as a file (file://), as a reader who unpacked the site would.

Screenshots go to screenshots/ (git-ignored). Needs Debian's chromium, as tests/test_browser.py.
"""

from __future__ import annotations

import functools
import html
import http.server
import io
import json
import os
import posixpath
import re
import socket
import threading
import urllib.parse
from pathlib import Path
from typing import ClassVar

import pytest
from playwright.sync_api import expect
from test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, _require_chromium

from migrator import PROJECT_ROOT
from migrator.errors import MigratorError
from tools import bundled, static_site
from tools.committed import versions

#: The pages the browser reads (tools/static_site.py --only names); None: every page.
BROWSED = None if os.environ.get("MIGRATOR_SITE_PAGES") == "all" else ["start", "02", "08", "it/02"]
WINDOW = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
STEP_MS = 60_000
#: Chromium's proxy for everything that is not loopback: a port nobody listens on.
DEAD_PROXY = "http://127.0.0.1:9"


# ---------------------------------------------------------------- the build, served


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "_site"
    site = static_site.build(out, log=lambda line: None)
    return out, site


def browsed(site) -> list:
    chosen = static_site.select(sorted(page.source for page in site.pages), BROWSED)
    return [page for page in site.pages if page.source in chosen]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test reports failures itself
        pass


@pytest.fixture(scope="module")
def server(built):
    out, _ = built
    handler = functools.partial(_QuietHandler, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class Traffic:
    """What the pages asked for and said: requests that left, failures, console errors."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.left: list[str] = []  # requests to anything but the site (refused)
        self.failed: list[str] = []  # the site's own requests that failed or were not found
        self.errors: list[str] = []  # console errors and uncaught exceptions

    def local(self, url: str) -> bool:
        return url.startswith((self.origin, "file://", "data:"))

    def route(self, route) -> None:
        if self.local(route.request.url):
            route.continue_()
        else:
            self.left.append(route.request.url)
            route.abort("internetdisconnected")

    def watch(self, page) -> None:
        page.on("request", lambda request: None if self.local(request.url) else self.left.append(request.url))
        page.on("requestfailed", lambda request: self.local(request.url) and self.failed.append(request.url))
        page.on("response", lambda response: response.status >= 400 and self.failed.append(
            f"{response.status} {response.url}"))
        page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"{page.url}: {message.text}"))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, timeout=STEP_MS,
            args=[*CHROMIUM_ARGS, f"--proxy-server={DEAD_PROXY}"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def offline(browser, server):
    """A browser context that reaches the local site and nothing else; its recorded traffic."""
    context = browser.new_context(viewport=WINDOW, accept_downloads=True)
    traffic = Traffic(server)
    context.route("**/*", traffic.route)
    context.on("page", traffic.watch)
    context.set_default_timeout(STEP_MS)
    yield context, traffic
    context.close()


@pytest.fixture(scope="module")
def visited(offline, server, built):
    """Every page opened once, its diagrams drawn: what each page shows, and the traffic."""
    context, traffic = offline
    _, site = built
    page = context.new_page()
    shown = {}
    for entry in browsed(site):
        page.goto(server + entry.path, wait_until="load")
        _wait_for_diagrams(page)
        shown[entry.path] = page.evaluate(
            """() => ({
                title: document.title,
                lang: document.documentElement.lang,
                h1: document.querySelector('.site-main h1')?.innerText || '',
                fences: document.querySelectorAll('.jp-Mermaid > pre.mermaid').length,
                svgs: [...document.querySelectorAll('.jp-Mermaid > figure.site-diagram > svg')].map(svg => ({
                    text: svg.textContent, width: svg.getBoundingClientRect().width,
                    hidden: !!svg.closest('[style*="display:none"]')})),
                links: [...document.querySelectorAll('a[href]')].map(a => ({
                    href: a.getAttribute('href'), url: a.href, download: a.hasAttribute('download')})),
                ids: [...document.querySelectorAll('[id]')].map(e => e.id),
                tables: document.querySelectorAll('.jp-OutputArea-output table.dataframe').length,
                errors: [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
                        .map(e => e.innerText),
            })"""
        )
    page.close()
    return shown, traffic


def _wait_for_diagrams(page) -> None:
    if page.locator(".jp-Mermaid").count():
        page.wait_for_function("() => document.documentElement.dataset.diagrams", timeout=STEP_MS)


def _committed(source: str) -> str:
    return versions(PROJECT_ROOT).text(PROJECT_ROOT / source)


def mermaid_fences(notebook: dict) -> int:
    """Mermaid fences in a notebook's Markdown, its text/markdown outputs and its saved widgets."""
    def count(text) -> int:
        return len(re.findall(r"^\s*```mermaid", "".join(text), re.MULTILINE))

    found = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            found += count(cell["source"])
        for output in cell.get("outputs", []):
            found += count(output.get("data", {}).get("text/markdown", ""))
    states = notebook["metadata"].get("widgets", {}).get(static_site.WIDGET_STATE, {}).get("state", {})
    shown = {json.dumps(output.get("data", {}).get(static_site.WIDGET_VIEW, {}).get("model_id"))
             for cell in notebook["cells"] for output in cell.get("outputs", [])}

    def reachable(model_id: str) -> list[str]:
        state = states.get(model_id, {}).get("state", {})
        children = [str(c).removeprefix("IPY_MODEL_") for c in state.get("children", [])]
        return [model_id] + [m for child in children for m in reachable(child)]

    for model_id in {m for shown_id in shown if shown_id != "null" for m in reachable(json.loads(shown_id))}:
        for output in states[model_id]["state"].get("outputs", []) if model_id in states else []:
            found += count(output.get("data", {}).get("text/markdown", ""))
    return found


# ---------------------------------------------------------------- the build


def test_the_build_writes_each_page_its_notebook_and_the_bundled_mermaid(built):
    out, site = built
    expected = static_site.course_sources(versions(PROJECT_ROOT))
    assert sorted(page.source for page in site.pages) == expected
    assert "notebooks/00_start_here.ipynb" in expected and "notebooks/it/02_change_the_model.ipynb" in expected
    for page in site.pages:
        assert (out / page.path).is_file(), page.path
        assert (out / page.download).read_text(encoding="utf-8") == _committed(page.source)
    files = bundled.bundled_files(bundled.MERMAID, static_site.CACHE)
    assert (out / "static" / "mermaid.min.js").read_bytes() == files["dist/mermaid.min.js"]
    assert b"MIT License" in (out / "static" / "mermaid.LICENSE.txt").read_bytes()
    for path in out.rglob("*.html"):  # nothing on any page is loaded from the web
        text = path.read_text(encoding="utf-8")
        loaded = re.findall(r"""<(?:script|img|iframe)\b[^>]*\bsrc=["']([^"']+)|<link\b[^>]*\bhref=["']([^"']+)""", text)
        remote = [url for pair in loaded for url in pair if re.match(r"[a-z]+://|//", url)]
        assert not remote, (path.name, remote)


def test_every_page_links_only_to_pages_of_the_site_and_keeps_every_diagram(built):
    out, site = built
    for page in site.pages:
        text = (out / page.path).read_text(encoding="utf-8")
        for href in re.findall(r"""<a\b[^>]*\bhref=["']([^"']+)""", text):
            href = html.unescape(href)
            if re.match(r"[a-z][a-z0-9+.-]*:", href):
                continue
            path, _, fragment = href.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page.path), path)) if path else page.path
            assert (out / target).is_file(), f"{page.path} links to {href}, which the site does not have"
            if fragment and target.endswith(".html"):
                ids = re.findall(r"""\bid=["']([^"']+)""", (out / target).read_text(encoding="utf-8"))
                assert urllib.parse.unquote(fragment) in {urllib.parse.unquote(i) for i in ids}, (page.path, href)
        fences = mermaid_fences(json.loads(_committed(page.source)))
        assert text.count('<pre class="mermaid">') == fences, (page.path, fences)
        assert ("mermaid.min.js" in text) == (fences > 0), page.path  # Mermaid only where it draws


def test_links_between_notebooks_become_links_between_pages():
    course = {"notebooks/03_sqlite_and_batch_mode.ipynb", "notebooks/it/02_change_the_model.ipynb",
              "notebooks/02_change_the_model.ipynb"}
    page = static_site.Page("it", "notebooks/it/02_change_the_model.ipynb", "02")
    body = ('<a href="../03_sqlite_and_batch_mode.ipynb#Why">x</a> <a href="02_change_the_model.ipynb">y</a>'
            ' <a href="https://docs.example/">z</a> <a href="02_change_the_model.ipynb" download>d</a>'
            ' <a href="../../README.md">r</a>')
    rewritten, unmapped = static_site.rewrite_links(body, page, course)
    assert '<a href="../en/03_sqlite_and_batch_mode.html#Why">' in rewritten
    assert '<a href="02_change_the_model.html">' in rewritten
    assert '<a href="https://docs.example/">' in rewritten
    assert '<a href="02_change_the_model.ipynb" download>' in rewritten  # the notebook itself
    assert unmapped == ["../../README.md"]


def test_the_build_empties_only_an_earlier_build(tmp_path):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "mine.txt").write_text("keep me")
    with pytest.raises(MigratorError, match="files that an earlier build did not write"):
        static_site.build(precious, ["start"], log=lambda line: None)
    assert (precious / "mine.txt").read_text() == "keep me" and len(list(precious.iterdir())) == 1
    site = tmp_path / "site"
    static_site.build(site, ["start"], log=lambda line: None)
    (site / "stale.html").write_text("from last time")
    static_site.build(site, ["start"], log=lambda line: None)  # an earlier build: emptied, rebuilt
    assert not (site / "stale.html").exists() and (site / "en" / "00_start_here.html").is_file()


def test_an_unknown_page_is_a_clear_error():
    with pytest.raises(MigratorError, match="--only 99"):
        static_site.select(["notebooks/00_start_here.ipynb"], ["99"])


# ---------------------------------------------------------------- the bundled script


class _Registry(http.server.BaseHTTPRequestHandler):
    """A loopback npm registry that serves one tarball (the real one, or altered bytes)."""

    body = b""
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def genuine_tarball() -> bytes:
    """The real tarball, from the project's cache or the real registry (before any test points
    npm_config_registry elsewhere)."""
    return bundled.tarball(bundled.MERMAID, static_site.CACHE)


@pytest.fixture
def registry(genuine_tarball, monkeypatch):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{httpd.server_address[1]}/")
    _Registry.asked = []
    yield _Registry
    httpd.shutdown()
    httpd.server_close()


def test_the_tarball_is_used_only_if_it_matches_its_pinned_integrity(registry, genuine_tarball, tmp_path):
    genuine = genuine_tarball
    cache = tmp_path / "npm"
    registry.body = genuine[:-1] + bytes([genuine[-1] ^ 1])  # one bit changed on the way
    with pytest.raises(MigratorError, match="not the pinned release"):
        bundled.bundled_files(bundled.MERMAID, cache)
    assert registry.asked == ["/mermaid/-/mermaid-11.16.1.tgz"]
    assert not cache.exists() or not any(cache.iterdir()), "an unverified tarball was kept"

    registry.body = genuine
    files = bundled.bundled_files(bundled.MERMAID, cache)
    assert files["dist/mermaid.min.js"].startswith(b'"use strict";var __esbuild_esm_mermaid_nm')
    assert (cache / "mermaid-11.16.1.tgz").read_bytes() == genuine

    (cache / "mermaid-11.16.1.tgz").write_bytes(b"half a download")  # a damaged cache is fetched again
    assert bundled.bundled_files(bundled.MERMAID, cache) == files
    assert len(registry.asked) == 3


def test_no_registry_is_a_clear_error(monkeypatch, tmp_path):
    with socket.socket() as probe:  # a loopback port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{port}/")
    with pytest.raises(MigratorError, match="Could not download mermaid"):
        bundled.tarball(bundled.MERMAID, tmp_path)


# ---------------------------------------------------------------- in the browser, offline


def test_every_diagram_becomes_an_svg(visited, built):
    shown, _ = visited
    _, site = built
    drawn = 0
    for page in browsed(site):
        facts = shown[page.path]
        fences = mermaid_fences(json.loads(_committed(page.source)))
        assert facts["fences"] == fences, (page.path, facts["fences"], fences)
        assert len(facts["svgs"]) == fences, (page.path, "diagrams left as text", facts["svgs"])
        for svg in facts["svgs"]:
            assert svg["text"].strip(), (page.path, "an empty diagram")
            assert svg["hidden"] or svg["width"] > 100, (page.path, svg)
        drawn += fences
    assert drawn >= 5  # 02 has ER diagrams, 08 its own and the explorer's


def test_er_diagrams_name_the_tables(visited, built):
    shown, _ = visited
    texts = " ".join(svg["text"] for facts in shown.values() for svg in facts["svgs"])
    for table in ("authors", "books"):
        assert table in texts


def test_no_console_errors_and_no_request_leaves_the_machine(visited):
    _, traffic = visited
    assert traffic.errors == []
    assert traffic.left == []
    assert traffic.failed == []


def test_every_relative_link_leads_to_a_page(visited, built, server):
    shown, _ = visited
    out, _ = built
    checked = 0
    for path, facts in shown.items():
        for link in facts["links"]:
            if link["href"].startswith(("http://localhost:8888/", "https://", "http://")):
                continue
            url = urllib.parse.urlparse(link["url"])
            assert url.geturl().startswith(server), (path, link)
            target = url.path.removeprefix("/")
            if url.fragment and target == path:
                assert url.fragment in facts["ids"], (path, link)
            elif (out / target).is_file():
                checked += 1
            else:
                raise AssertionError(f"{path} links to {link['href']}, which the site does not have")
    assert checked >= 20


def test_the_contents_and_the_pager_lead_through_the_course(offline, server):
    context, _ = offline
    page = context.new_page()
    page.goto(server + "index.html")
    page.locator(".site-editions a[hreflang=en]").click()
    expect(page.locator(".site-main h1").first).to_contain_text("Start here", timeout=STEP_MS)
    page.locator(".site-main a", has_text="08 · ").first.click()  # the start page's course table
    page.wait_for_url(re.compile(r"/en/08_explorer\.html$"))
    expect(page.locator(".site-contents a[aria-current=page]")).to_contain_text("08 ·")
    page.locator(".site-pager a[rel=prev]").click()
    page.wait_for_url(lambda url: not url.endswith("/en/08_explorer.html"))  # the page before 08
    expect(page.locator(".site-contents a[aria-current=page]")).not_to_contain_text("08 ·")
    page.locator(".site-pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"/en/08_explorer\.html$"))
    page.locator(".site-contents a", has_text="Start here").click()
    page.wait_for_url(re.compile(r"/en/00_start_here\.html$"))
    page.close()


def test_the_language_switch(offline, server, built):
    context, _ = offline
    page = context.new_page()
    page.goto(server + "en/02_change_the_model.html")
    page.locator(".site-header a.site-language[hreflang=it]").click()
    page.wait_for_url(re.compile(r"/it/02_change_the_model\.html$"))
    assert page.evaluate("() => document.documentElement.lang") == "it"
    expect(page.locator(".site-main h1").first).to_contain_text("Modifica il modello", timeout=STEP_MS)
    expect(page.locator(".site-download")).to_have_text("Scarica il notebook")
    page.locator(".site-header a.site-language[hreflang=en]").click()
    page.wait_for_url(re.compile(r"/en/02_change_the_model\.html$"))
    # A page not translated yet (the translation is under way): the switch leads into the
    # Italian edition and says so; once all are translated, every switch is exact.
    _, site = built
    italian = {p.key for p in site.pages if p.language == "it"}
    english = [p for p in site.pages if p.language == "en"]
    for entry in [p for p in english if p.key not in italian][:1] or english:
        page.goto(server + entry.path)
        switch = page.locator(".site-header a.site-language[hreflang=it]")
        if entry.key in italian:
            assert switch.get_attribute("title") == "Questa pagina in italiano", entry.path
            assert switch.get_attribute("href") == f"../it/{entry.name.removesuffix('.ipynb')}.html"
            continue
        assert "not yet translated" in switch.get_attribute("title")
        switch.click()
        page.wait_for_url(re.compile(r"/it/\w+\.html$"))
        assert page.evaluate("() => document.documentElement.lang") == "it"
    page.close()


def test_the_page_offers_its_notebook_to_download_and_to_open_in_jupyterlab(offline, server):
    context, _ = offline
    page = context.new_page()
    page.goto(server + "it/02_change_the_model.html")
    with page.expect_download() as download:
        page.locator(".site-download").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "02_change_the_model.ipynb"
    assert saved == _committed("notebooks/it/02_change_the_model.ipynb")
    assert json.loads(saved)["cells"], "not a notebook"
    lab = page.locator(".site-open").get_attribute("href")
    assert lab == "http://localhost:8888/lab/tree/notebooks/it/02_change_the_model.ipynb"
    page.close()


def test_tables_and_errors_read_as_in_jupyterlab(visited, offline, server):
    shown, _ = visited
    facts = shown["en/02_change_the_model.html"]
    assert facts["tables"] >= 3
    assert any("Error" in text and "How to fix" in text for text in facts["errors"]), facts["errors"]
    context, _ = offline
    page = context.new_page()
    page.goto(server + "en/02_change_the_model.html")
    error = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').first
    background = error.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), background  # shaded, as in JupyterLab
    cell = page.locator("table.dataframe td").first
    assert cell.evaluate("e => getComputedStyle(e).paddingLeft") != "0px"  # JupyterLab's table style
    page.close()


def test_the_explorer_is_a_snapshot_that_says_it_needs_a_kernel(offline, server):
    context, _ = offline
    page = context.new_page()
    page.goto(server + "en/08_explorer.html")
    _wait_for_diagrams(page)
    snapshots = page.locator(".site-widget-snapshot")
    assert snapshots.count() == 2  # the explorer, and the exercise's
    first = snapshots.first
    expect(first.locator(".site-widget-note")).to_contain_text("need a running kernel")
    expect(first).to_contain_text("Migration explorer")
    expect(first.locator("table.dataframe").first).to_be_visible()
    buttons = first.locator("button")
    assert buttons.count() >= 4 and all(b.is_disabled() for b in buttons.all())
    assert first.locator("button:visible", has_text="Yes, run it").count() == 0  # hidden until asked
    first.scroll_into_view_if_needed()
    first.screenshot(path=str(SCREENSHOTS / "site_explorer_snapshot.png"))
    page.close()


def test_a_screenshot_shows_the_start_page_title(offline, server):
    from PIL import Image

    context, _ = offline
    page = context.new_page()
    page.goto(server + "en/00_start_here.html")
    heading = page.locator(".site-main h1").first
    expect(heading).to_contain_text("Start here")
    shot = page.screenshot()
    (SCREENSHOTS / "site_start_page.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert image.size == (WINDOW["width"], WINDOW["height"])
    assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50, "the page is blank"
    box = heading.bounding_box()
    assert box["y"] < WINDOW["height"] / 3 and box["width"] > 200, box
    title = image.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"])))
    pixels = title.tobytes()  # RGB triples
    dark = sum(1 for i in range(0, len(pixels), 3) if pixels[i] + pixels[i + 1] + pixels[i + 2] < 200)
    assert dark > 200, "no text where the title is"
    contents = page.locator(".site-contents").bounding_box()
    assert contents["x"] < box["x"] and contents["width"] > 150  # the contents beside the page
    page.close()


def test_on_a_phone_the_page_fits_the_screen(offline, server):
    context, _ = offline
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(server + "en/02_change_the_model.html")
    _wait_for_diagrams(page)
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
    expect(page.locator(".site-contents-link")).to_be_visible()
    page.locator(".site-contents-link").click()
    expect(page.locator(".site-contents")).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "site_on_a_phone.png"))
    page.close()


def test_a_page_opened_as_a_file_draws_its_diagrams(browser, built):
    out, _ = built
    context = browser.new_context(viewport=WINDOW)
    traffic = Traffic("file://")
    context.route("**/*", traffic.route)
    context.on("page", traffic.watch)
    page = context.new_page()
    page.goto((out / "en" / "02_change_the_model.html").as_uri())
    _wait_for_diagrams(page)
    assert page.evaluate("() => document.documentElement.dataset.diagrams") == "drawn"
    assert page.locator(".jp-Mermaid figure svg").count() == page.locator(".jp-Mermaid").count() > 0
    page.locator(".site-header a.site-language[hreflang=it]").click()
    expect(page.locator(".site-main h1").first).to_contain_text("Modifica il modello", timeout=STEP_MS)
    assert traffic.left == [] and traffic.errors == [] and traffic.failed == []
    context.close()


def test_the_landing_page_names_both_editions(built):
    out, _ = built
    landing = (out / "index.html").read_text(encoding="utf-8")
    for language, folder in (("en", "en/"), ("it", "it/")):
        assert re.search(rf'hreflang="{language}" href="{folder}\d\d_\w+\.html"', landing), language


def test_a_diagram_label_with_markup_is_drawn_as_written(browser, tmp_path):
    """A Mermaid fence is text: a ``<br>`` in a label is a line break, ``<`` a character. (nbconvert
    puts the fence into the page unescaped, so the browser's parser took the ``<br>`` away.)"""
    import nbformat

    repository = tmp_path / "course"  # not a git checkout: the notebooks on disk are the course
    (repository / "notebooks").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(
        '# Start here · Migration Lab\n\n```mermaid\nflowchart TD\n'
        '    A["0001: price<100<br>checked"] --> B["0002"]\n```\n')]
    nbformat.write(notebook, repository / "notebooks" / "00_start_here.ipynb")
    out = tmp_path / "site"
    static_site.build(out, root=repository, log=lambda line: None)
    page = browser.new_page()
    page.goto((out / "en" / "00_start_here.html").as_uri())
    _wait_for_diagrams(page)
    labels = page.evaluate("() => [...document.querySelectorAll('.jp-Mermaid svg .nodeLabel')].map(e => e.innerHTML)")
    page.close()
    assert any("price&lt;100<br>checked" in label for label in labels), labels
