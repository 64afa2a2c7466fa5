"""The course in a real browser: JupyterLab + headless Chromium, driven by Playwright.

JupyterLab is started the way ``make lab`` starts it: the command line ``make -n lab`` prints
(``--config=.jupyter/jupyter_server_config.py`` and ``--allow-root`` as root), run in a
temporary copy of the repository, plus what a test needs (a free loopback port, no token, no
browser of its own). The page opens the server's root URL, as the browser ``make lab`` opens
does. Then, in a 1280 x 800 window (a laptop):

- ``make lab-it`` (its own server) opens the Italian start page, the file browser in
  notebooks/it/, and the two start pages' language links open each other;
- the first thing shown is the start page, not a Launcher; the file browser lists the
  notebooks (the start page first) and reaches the repository root (alembic.ini, migrator/)
  but not the maintainer's or the machine's files (.venv, caches, build metadata);
- the start page's link opens notebook 08; every cell runs without error output; the
  explorer's widgets and Mermaid diagrams render; its data table keeps each value on one
  line and its ER panel does not scroll sideways (bounding boxes, and screenshots);
- progress bars reach their total; the explorer's buttons move the database, ask before
  deleting data, and show errors inside the widget;
- the Italian notebook 08 (notebooks/it/) runs, and its explorer speaks Italian: buttons,
  headings, the question before deleting data and the answer to Annulla.

Screenshots go to screenshots/ (git-ignored): look at them.
Needs Debian's chromium (``apt-get install -y chromium``); Playwright's own browser download
is not used.  .ci/run installs it in CI.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from migrator import PROJECT_ROOT
from tools.committed import course_versions

CHROMIUM = Path(os.environ.get("MIGRATOR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_PAGE = "notebooks/00_start_here.ipynb"
IT_START_PAGE = "notebooks/it/00_start_here.ipynb"  # what `make lab-it` opens
NOTEBOOK = "notebooks/08_explorer.ipynb"
WINDOW = {"width": 1280, "height": 800}
TALL_WINDOW = {"width": 1280, "height": 1700}
SCREENSHOTS = PROJECT_ROOT / "screenshots"
SERVER_START_SECONDS = 90
RUN_ALL_SECONDS = 240
STEP_MS = 60_000
#: What the file browser must not list, made in the copy so that there is something to hide.
CLUTTER = [".venv/bin", "migrator.egg-info", "migrator/__pycache__", "notebooks/.ipynb_checkpoints",
           "screenshots"]

#: Test-only JupyterLab user settings: every cell in the DOM, no news or update checks.
#: (Nothing here changes what opens first or what the file browser lists.)
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed ({CHROMIUM} is missing), so the course cannot be "
            "checked in a browser. Install Debian's package: sudo apt-get update && "
            "sudo apt-get install -y chromium (or set MIGRATOR_CHROMIUM to another "
            "Chromium binary). .ci/run does this in CI.",
            pytrace=False,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _copy_repository(target: Path) -> Path:
    """The repository's tracked files, notebooks as committed (tools/committed.py), in ``target``."""
    versions = course_versions()
    try:
        files = subprocess.run(["git", "-C", str(PROJECT_ROOT), "ls-files", "-z"], check=True,
                               capture_output=True, text=True).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):  # no git: everything but the usual clutter
        shutil.copytree(PROJECT_ROOT, target, ignore=shutil.ignore_patterns(
            ".git", ".venv", "workspaces", ".ipynb_checkpoints", "__pycache__", ".postgres", "screenshots"))
        return target
    for name in filter(None, files):
        source, copy = PROJECT_ROOT / name, target / name
        if not source.exists():  # deleted on disk, not staged
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".ipynb":
            copy.write_text(versions.text(source), encoding="utf-8")
        else:
            shutil.copy2(source, copy)
    return target


def lab_command_line(repository: Path, target: str = "lab") -> list[str]:
    """The JupyterLab arguments of ``make lab`` (or ``make lab-it``), as make prints them (the install step not run)."""
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", target],
        cwd=repository, check=True, capture_output=True, text=True,
    ).stdout
    [line] = [line for line in printed.splitlines() if " lab" in line and "jupyter" in line]
    words = shlex.split(line)
    start = next(i for i, word in enumerate(words) if Path(word).name == "jupyter" and words[i + 1] == "lab")
    return words[start + 2:]


def _write_settings(folder: Path) -> None:
    for name, values in SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


class JupyterLab:
    """A JupyterLab server in a subprocess, stopped (with its kernels) by ``stop()``."""

    def __init__(self, root: Path, scratch: Path, arguments: list[str]) -> None:
        self.root, self.scratch, self.arguments = root, scratch, arguments
        self.process: subprocess.Popen | None = None
        self.log = scratch / "jupyterlab.log"
        self.url = ""

    def start(self) -> None:
        settings = self.scratch / "lab-settings"
        _write_settings(settings)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.pop("MIGRATOR_QUIET", None)  # show the progress bars: they are part of what we check
        env.update(
            PYTHONPATH=str(self.root),  # the kernels import the copy's kit
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.scratch / "lab-workspaces"),
            JUPYTER_RUNTIME_DIR=str(self.scratch / "runtime"),
            JUPYTER_CONFIG_DIR=str(self.scratch / "config"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        for _attempt in range(3):  # the port may be taken between probing and binding
            port = _free_port()
            command = [
                sys.executable, "-m", "jupyterlab", *self.arguments,  # as make lab runs it
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.token=",
                "--ServerApp.password=",
                "--ServerApp.disable_check_xsrf=True",
                "--LabApp.news_url=None",
                "--LabApp.expose_app_in_browser=True",
            ]
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    command, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.url = f"http://127.0.0.1:{port}"
            if self._wait_until_up():
                return
            self.stop()
        pytest.fail(f"JupyterLab did not start; its log:\n{self.log.read_text()[-3000:]}")

    def _wait_until_up(self) -> bool:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=5) as response:
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.5)
        return False

    def contents(self, path: str = "") -> list[str]:
        with urllib.request.urlopen(f"{self.url}/api/contents/{path}", timeout=10) as response:
            return sorted(item["name"] for item in json.load(response)["content"])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, 15)  # the server and the kernels it started
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _require_chromium()
    scratch = tmp_path_factory.mktemp("browser")
    repository = _copy_repository(scratch / "migration-lab")
    for name in CLUTTER:
        (repository / name).mkdir(parents=True, exist_ok=True)
    (repository / "bookshop.db").write_bytes(b"")
    server = JupyterLab(repository, scratch, lab_command_line(repository))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module (Playwright's sync API runs one instance per thread)."""
    from playwright.sync_api import sync_playwright

    _require_chromium()
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=STEP_MS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser, url: str):
    """A new browser window (1280 x 800) on ``url``, once JupyterLab has drawn its main area."""
    page = browser.new_context(viewport=WINDOW).new_page()
    page.set_default_timeout(STEP_MS)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget")
    return page


@pytest.fixture(scope="module")
def browser_page(lab, browser):
    return _open(browser, f"{lab.url}/")  # where `make lab` points the browser


def _current_path(page) -> str:
    return page.evaluate(
        "() => { const w = window.jupyterapp.shell.currentWidget; return w && w.context ? w.context.path : ''; }"
    )


def _listing(page) -> list[str]:
    """The names the file browser lists, read at once (it redraws its items in place)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.jp-FileBrowser .jp-DirListing-content .jp-DirListing-itemName')]
                 .map(e => e.innerText.trim())"""
    )


def _listing_until(page, check, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        names = _listing(page)
        if check(names) or time.monotonic() > deadline:
            return names
        time.sleep(0.2)


# -- how the course opens ------------------------------------------------------------------------


def test_make_lab_runs_jupyterlab_with_the_course_config(lab):
    assert "--config=.jupyter/jupyter_server_config.py" in lab.arguments
    assert ("--allow-root" in lab.arguments) == (hasattr(os, "getuid") and os.getuid() == 0)
    with urllib.request.urlopen(f"{lab.url}/", timeout=10) as response:  # follows the redirect
        assert urllib.parse.urlparse(response.url).path == f"/lab/tree/{START_PAGE}"


def test_the_first_thing_shown_is_the_start_page(browser_page):
    page = browser_page
    page.wait_for_function(f"() => window.jupyterapp.shell.currentWidget.context?.path === {START_PAGE!r}")
    heading = page.locator(".jp-NotebookPanel:visible .jp-MarkdownOutput h1").first
    expect(heading).to_contain_text("Start here")
    assert page.locator(".jp-Launcher").count() == 0, "a Launcher is open"
    main = page.evaluate("() => [...window.jupyterapp.shell.widgets('main')].map(w => w.title.label)")
    assert main == ["00_start_here.ipynb"], main
    box = heading.bounding_box()
    assert box and box["y"] < WINDOW["height"] / 2, f"the title is not in view: {box}"
    page.screenshot(path=str(SCREENSHOTS / "course_opens_on_the_start_page.png"))


def test_the_file_browser_shows_the_course_and_reaches_the_repository(browser_page, lab):
    page = browser_page
    names = _listing_until(page, lambda names: "08_explorer.ipynb" in names)
    folders = {"it", "workspaces"}  # JupyterLab lists folders first: the Italian edition, the workspaces
    assert [name for name in names if name not in folders][0] == "00_start_here.ipynb", names
    notebooks = [name for name in names if name.endswith(".ipynb")]
    assert notebooks[0] == "00_start_here.ipynb" and "08_explorer.ipynb" in notebooks, names
    assert not {"execute.py", "sanitize.cfg", ".ipynb_checkpoints"} & set(names), names
    page.locator(".jp-FileBrowser .jp-BreadCrumbs-home").click()  # up to the server's root
    root = _listing_until(page, lambda names: "alembic.ini" in names and "08_explorer.ipynb" not in names)
    for name in ("alembic.ini", "migrations", "migrator", "notebooks", "README.md"):
        assert name in root, (name, root)
    for name in (".venv", "migrator.egg-info", "screenshots", ".git", ".jupyter"):
        assert name not in root, (name, root)
    assert "checks.py" in lab.contents("migrator") and "__pycache__" not in lab.contents("migrator")
    page.screenshot(path=str(SCREENSHOTS / "file_browser_at_the_repository_root.png"))
    page.locator(".jp-FileBrowser .jp-DirListing-item", has_text="notebooks").first.dblclick()
    _listing_until(page, lambda names: "00_start_here.ipynb" in names)


# -- the Italian edition: make lab-it -------------------------------------------------------------


def _current_is(page, path: str) -> None:
    page.wait_for_function(f"() => window.jupyterapp?.shell.currentWidget?.context?.path === {path!r}")


def test_make_lab_it_opens_the_italian_start_page_and_the_two_start_pages_link_each_other(tmp_path, browser):
    """`make lab-it`: its own server (the module's one is `make lab`'s), the Italian start page first,
    the file browser in notebooks/it/; then each start page's language link opens the other one."""
    repository = _copy_repository(tmp_path / "migration-lab")
    server = JupyterLab(repository, tmp_path, lab_command_line(repository, "lab-it"))
    assert server.arguments[:2] == lab_command_line(repository)[:2], "the same config as make lab"
    server.start()
    try:
        with urllib.request.urlopen(f"{server.url}/", timeout=10) as response:
            assert urllib.parse.urlparse(response.url).path == f"/lab/tree/{IT_START_PAGE}"
        page = _open(browser, f"{server.url}/")
        try:
            _current_is(page, IT_START_PAGE)
            heading = page.locator(".jp-NotebookPanel:visible .jp-MarkdownOutput h1").first
            expect(heading).to_contain_text("Inizia qui")
            assert page.locator(".jp-Launcher").count() == 0, "a Launcher is open"
            names = _listing_until(page, lambda names: "00_welcome_and_tour.ipynb" in names)
            assert "GLOSSARIO.md" in names and "translations" in names and "it" not in names, names  # notebooks/it/, not notebooks/
            notebooks = [name for name in names if name.endswith(".ipynb")]
            assert notebooks[0] == "00_start_here.ipynb", names
            page.screenshot(path=str(SCREENSHOTS / "lab_it_opens_the_italian_start_page.png"))

            page.locator(".jp-NotebookPanel:visible .jp-MarkdownOutput a", has_text="start here").first.click()
            _current_is(page, START_PAGE)
            expect(page.locator(".jp-NotebookPanel:visible .jp-MarkdownOutput h1").first).to_contain_text("Start here")
            page.locator(".jp-NotebookPanel:visible .jp-MarkdownOutput a", has_text="inizia qui").first.click()
            _current_is(page, IT_START_PAGE)
        finally:
            page.context.close()
    finally:
        server.stop()


# -- notebook 08, opened from the start page ----------------------------------------------------


@pytest.fixture(scope="module")
def page(browser_page):
    """Notebook 08, opened with the start page's link, every cell run."""
    start = browser_page
    start.wait_for_function(f"() => window.jupyterapp.shell.currentWidget.context?.path === {START_PAGE!r}")
    start.locator(".jp-NotebookPanel:visible .jp-MarkdownOutput a", has_text="08 · ").first.click()
    start.wait_for_function(f"() => window.jupyterapp.shell.currentWidget.context?.path === {NOTEBOOK!r}")
    # Still 1280 px wide (what the layout depends on), taller: screenshots show the whole explorer.
    start.set_viewport_size(TALL_WINDOW)
    _run_all_cells(start)
    return start


def _run_all_cells(page) -> None:
    """Wait for the kernel, clear the stored outputs, run every cell, wait until all have run."""
    page.wait_for_selector(".jp-NotebookPanel:visible .jp-Cell")
    page.wait_for_function(
        """async () => {
            const panel = window.jupyterapp.shell.currentWidget;
            if (!panel || !panel.sessionContext) return false;
            await panel.sessionContext.ready;
            const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
            return !!kernel && kernel.status === 'idle';
        }""",
        timeout=STEP_MS * 2,
    )
    # Clearing resets every execution count, so "all counted" below means "all ran now".
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const kernel = panel.sessionContext.session.kernel;
            const cells = [...panel.content.widgets].filter(c => c.model.type === 'code');
            return kernel.status === 'idle' && cells.every(c => c.model.executionCount !== null);
        }""",
        timeout=RUN_ALL_SECONDS * 1000,
        polling=500,
    )
    assert page.locator(".jp-NotebookPanel:visible .jp-InputPrompt", has_text="[*]").count() == 0, "cells still running"


def _explorer(page):
    return page.locator(".jp-NotebookPanel:visible .migrator-explorer").first


def _diagram_until(explorer, check, timeout: float = 20) -> str:
    """The diagram's SVG once ``check(svg)`` holds: Mermaid redraws after the panel changes."""
    deadline = time.monotonic() + timeout
    while True:
        svg = _diagram_svg(explorer)
        if check(svg) or time.monotonic() > deadline:
            return svg
        time.sleep(0.2)


def _diagram_svg(explorer) -> str:
    """The SVG of the explorer's ER diagram, as text (JupyterLab shows it as a data: URI)."""
    figure = explorer.locator(".migrator-diagram .jp-RenderedMermaid")
    figure.wait_for(state="visible")
    svg = figure.locator("svg")
    if svg.count():
        return svg.first.evaluate("e => e.outerHTML")
    src = figure.locator("img").first.get_attribute("src")
    assert src and src.startswith("data:image/svg+xml"), src
    return urllib.parse.unquote(src.split(",", 1)[1])


def _version_text(explorer) -> str:
    return explorer.locator(".migrator-version").inner_text().strip()


def test_every_cell_runs_without_error_output(page):
    errors = page.locator(
        '.jp-NotebookPanel:visible .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
        ".jp-NotebookPanel:visible .jp-RenderedText[data-mime-type*=error]"
    )
    texts = [errors.nth(i).inner_text()[:500] for i in range(errors.count())]
    assert texts == [], f"error output in the notebook: {texts}"
    counts = page.evaluate(
        """() => [...window.jupyterapp.shell.currentWidget.content.widgets]
                 .filter(c => c.model.type === 'code').map(c => c.model.executionCount)"""
    )
    assert counts == list(range(1, len(counts) + 1)), counts


def test_explorer_widgets_and_diagrams_render(page):
    page.screenshot(path=str(SCREENSHOTS / "08_explorer_notebook.png"))
    panel = page.locator(".jp-NotebookPanel:visible")
    assert panel.locator(".jupyter-widgets").count() > 0
    explorer = _explorer(page)
    explorer.scroll_into_view_if_needed()
    assert explorer.is_visible()
    for label in ("Upgrade to selected", "Downgrade to selected", "Upgrade one step", "Downgrade one step"):
        assert explorer.get_by_role("button", name=label).is_visible(), label
    assert explorer.locator(".migrator-timeline select option").count() == 5  # base + 0001..0004
    # Mermaid: JupyterLab draws each ```mermaid fence as an SVG (an <img> of it, or inline).
    drawn = panel.locator(".jp-RenderedMermaid")
    drawn.first.wait_for(state="attached")
    assert drawn.count() >= 4  # the revision graph, two schemas, the explorer's diagram
    assert panel.locator(".jp-RenderedMermaid.jp-mod-warning").count() == 0, "a diagram failed to render"
    svg = _diagram_until(explorer, lambda svg: "books" in svg and "slug" in svg)
    assert "books" in svg and "slug" in svg
    assert explorer.locator(".migrator-source .highlight").count() == 1  # pygments HTML
    explorer.screenshot(path=str(SCREENSHOTS / "08_explorer_widget.png"))


def _wrapped_cells(table) -> list[str]:
    """The header and data cells of a table whose text takes more than one line."""
    return table.evaluate(
        """t => [...t.querySelectorAll('th, td')].filter(cell => {
                const range = document.createRange();
                range.selectNodeContents(cell);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                return lines.size > 1;
            }).map(cell => cell.innerText)"""
    )


def test_explorer_layout_at_1280_pixels(page):
    """The data table keeps every title and header on one line, inside the explorer; the ER
    diagram fits its panel (no sideways scrolling); nothing sticks out of the explorer."""
    explorer = _explorer(page)
    explorer.scroll_into_view_if_needed()
    outer = explorer.bounding_box()
    notebook = page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer, .jp-NotebookPanel:visible .jp-Notebook").first.bounding_box()
    assert outer["x"] + outer["width"] <= notebook["x"] + notebook["width"] + 1, (outer, notebook)

    table = explorer.locator(".migrator-rows table").first
    table.wait_for(state="visible")
    assert _wrapped_cells(table) == [], "values or headers squeezed onto several lines"
    table_box = table.bounding_box()
    assert table_box["x"] + table_box["width"] <= outer["x"] + outer["width"] + 1, (table_box, outer)
    title_cells = table.locator("td:nth-child(2)")
    widths = [title_cells.nth(i).bounding_box()["width"] for i in range(title_cells.count())]
    assert min(widths) >= 150, f"the title column is {min(widths):.0f} px wide"

    diagram = explorer.locator(".migrator-diagram")
    scroller = diagram.evaluate(
        """d => [d, ...d.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1
                 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
                 .map(e => `${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)"""
    )
    assert scroller == [], f"the ER panel scrolls sideways: {scroller}"
    drawn = diagram.locator(".jp-RenderedMermaid img, .jp-RenderedMermaid svg").first
    box, panel = drawn.bounding_box(), diagram.bounding_box()
    assert box["x"] >= panel["x"] - 1 and box["x"] + box["width"] <= panel["x"] + panel["width"] + 1, (box, panel)
    natural = drawn.evaluate(
        """e => e.tagName === 'IMG'  // JupyterLab sets the <img>'s width to the drawing's own width
               ? (parseFloat(e.getAttribute('width')) || e.naturalWidth)
               : (e.viewBox.baseVal ? e.viewBox.baseVal.width : 0)"""
    )
    assert natural > 0 and box["width"] >= 0.9 * natural, (
        f"the diagram is shrunk to fit its panel: drawn {box['width']:.0f} px wide, {natural:.0f} px at full size"
    )
    explorer.screenshot(path=str(SCREENSHOTS / "08_explorer_at_1280px.png"))


def test_progress_bar_reaches_its_total(page):
    bar = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output", has_text="upgrade to 0004").first
    bar.wait_for(state="attached")
    bar.scroll_into_view_if_needed()
    expect(bar).to_contain_text("20004/20004")
    assert bar.locator(".jupyter-widgets.widget-hprogress, .widget-progress").count() == 1
    bar.screenshot(path=str(SCREENSHOTS / "08_progress_bar.png"))


def test_downgrade_one_step_changes_alembic_version(page):
    explorer = _explorer(page)
    explorer.scroll_into_view_if_needed()
    before = _version_text(explorer)
    assert "0004" in before, before
    explorer.get_by_role("button", name="Downgrade one step").click()
    # 0004's downgrade drops books.slug: the explorer asks first, nothing has run.
    confirm = explorer.get_by_role("button", name="Yes, run it")
    confirm.wait_for(state="visible")
    expect(explorer).to_contain_text("drops column books.slug")
    assert _version_text(explorer) == before
    explorer.screenshot(path=str(SCREENSHOTS / "08_explorer_confirm.png"))
    confirm.click()
    page.wait_for_function(
        """() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .migrator-explorer .migrator-version');
            return panel && panel.innerText.includes('0003');
        }"""
    )
    after = _version_text(explorer)
    assert "0003" in after and "0004" not in after, after
    # the panels update one widget at a time: wait for the status line as well
    expect(explorer.locator(".migrator-status")).to_contain_text("downgrade")
    svg = _diagram_until(explorer, lambda svg: "books" in svg and "slug" not in svg)
    assert "books" in svg and "slug" not in svg
    explorer.screenshot(path=str(SCREENSHOTS / "08_explorer_after_downgrade.png"))


def test_an_error_shows_inside_the_explorer(page):
    """Back to the head with the list and a button, then one step past it: a readable
    message inside the widget, no traceback, alembic_version unchanged."""
    explorer = _explorer(page)
    timeline = explorer.locator(".migrator-timeline select")
    values = timeline.locator("option").evaluate_all("options => options.map(o => o.value)")
    timeline.select_option(value=next(value for value in values if " 0004 " in value))
    expect(explorer.locator(".migrator-source")).to_contain_text("0004_add_slug")
    explorer.get_by_role("button", name="Upgrade to selected").click()
    page.wait_for_function(
        "() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .migrator-explorer .migrator-version').innerText.includes('0004')"
    )
    explorer.get_by_role("button", name="Upgrade one step").click()  # past the head
    alert = explorer.locator(".migrator-status [role=alert]")
    alert.wait_for(state="visible")
    assert "How to fix" in alert.inner_text()
    assert "0004" in _version_text(explorer)
    stderr = page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert stderr.count() == 0
    explorer.screenshot(path=str(SCREENSHOTS / "08_explorer_error.png"))


def test_downgrade_to_base_with_the_list_and_a_confirmation(page):
    """Select base, Downgrade to selected, Yes: no alembic_version row, the empty diagram drawn."""
    explorer = _explorer(page)
    timeline = explorer.locator(".migrator-timeline select")
    values = timeline.locator("option").evaluate_all("options => options.map(o => o.value)")
    timeline.select_option(value=next(value for value in values if " base " in value))
    explorer.get_by_role("button", name="Downgrade to selected").click()
    confirm = explorer.get_by_role("button", name="Yes, run it")
    confirm.wait_for(state="visible")
    assert "drops table authors" in explorer.locator(".migrator-confirm").inner_text()
    confirm.click()
    page.wait_for_function(
        "() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .migrator-explorer .migrator-version').innerText.includes('no row')"
    )
    assert "no tables yet" in _diagram_until(explorer, lambda svg: "no tables yet" in svg)
    assert page.locator(".jp-NotebookPanel:visible .jp-RenderedMermaid.jp-mod-warning").count() == 0
    expect(explorer).to_contain_text("No tables yet")
    explorer.screenshot(path=str(SCREENSHOTS / "08_explorer_at_base.png"))


# -- the Italian notebook 08: the kit speaks Italian in the browser too ------------------------

ITALIAN_NOTEBOOK = "notebooks/it/08_explorer.ipynb"


@pytest.fixture(scope="module")
def italian_page(browser_page):
    """The Italian notebook 08 (its first cell sets MIGRATOR_LANG=it), opened and every cell run."""
    page = browser_page
    page.evaluate(f"() => {{ window.jupyterapp.commands.execute('docmanager:open', {{path: {ITALIAN_NOTEBOOK!r}}}); }}")
    page.wait_for_function(f"() => window.jupyterapp.shell.currentWidget.context?.path === {ITALIAN_NOTEBOOK!r}")
    page.set_viewport_size(TALL_WINDOW)
    _run_all_cells(page)
    return page


def test_the_italian_notebook_runs_without_error_output(italian_page):
    test_every_cell_runs_without_error_output(italian_page)


def test_the_italian_explorer_has_italian_labels(italian_page):
    explorer = _explorer(italian_page)
    explorer.scroll_into_view_if_needed()
    for label in ("Upgrade alla selezionata", "Downgrade alla selezionata", "Upgrade di un passo", "Downgrade di un passo"):
        assert explorer.get_by_role("button", name=label).is_visible(), label
    for label in ("Upgrade to selected", "Downgrade one step"):
        assert explorer.get_by_role("button", name=label).count() == 0, f"an English button: {label}"
    text = explorer.inner_text()
    for heading in ("Revisioni (● = dove si trova il database)", "Lo schema adesso (diagramma ER)", "I dati",
                    "Il file della revisione selezionata", "Explorer delle migrazioni"):
        assert heading in text, heading
    assert "(attuale, head)" in explorer.locator(".migrator-timeline select").inner_text().replace("\xa0", " ")
    explorer.screenshot(path=str(SCREENSHOTS / "it_08_explorer_widget.png"))


def test_the_italian_explorer_asks_and_cancels_in_italian(italian_page):
    """A click on a button that would delete data: the question, its buttons and the answer in Italian."""
    explorer = _explorer(italian_page)
    explorer.scroll_into_view_if_needed()
    before = _version_text(explorer)
    explorer.get_by_role("button", name="Downgrade di un passo").click()
    confirm = explorer.get_by_role("button", name="Sì, eseguilo")
    confirm.wait_for(state="visible")
    expect(explorer.locator(".migrator-confirm")).to_contain_text("cancellerebbe dei dati")
    expect(explorer.locator(".migrator-confirm")).to_contain_text("elimina la colonna books.slug")
    explorer.get_by_role("button", name="Annulla").click()
    expect(explorer.locator(".migrator-status")).to_contain_text("Annullato: non è stato eseguito niente")
    assert _version_text(explorer) == before
    explorer.screenshot(path=str(SCREENSHOTS / "it_08_explorer_cancelled.png"))
