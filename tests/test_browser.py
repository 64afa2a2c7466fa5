"""Notebook 08 in a real browser: JupyterLab + headless Chromium, driven by Playwright.

Starts JupyterLab on a free loopback port (no token) over a temporary copy of the
notebooks, opens 08_explorer.ipynb, runs every cell, and checks what a learner sees:
no error output, the explorer's widgets drawn, the Mermaid diagrams drawn as SVG,
progress bars that reach their total, and that clicking "Downgrade one step" (then
"Yes, run it") changes the alembic_version panel.  Screenshots go to screenshots/
(git-ignored): look at them.

Needs Debian's chromium (``apt-get install -y chromium``); Playwright's own browser
download is not used.  .ci/run installs it in CI.
"""

from __future__ import annotations

import json
import os
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
NOTEBOOK = "08_explorer.ipynb"
SCREENSHOTS = PROJECT_ROOT / "screenshots"
SERVER_START_SECONDS = 90
RUN_ALL_SECONDS = 240
STEP_MS = 60_000

#: JupyterLab user settings for the test: every cell in the DOM, no news or update checks.
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
            f"Chromium is not installed ({CHROMIUM} is missing), so notebook 08 cannot be "
            "checked in a browser. Install Debian's package: sudo apt-get update && "
            "sudo apt-get install -y chromium (or set MIGRATOR_CHROMIUM to another "
            "Chromium binary). .ci/run does this in CI.",
            pytrace=False,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _copy_notebooks(target: Path) -> Path:
    root = target / "notebooks"
    shutil.copytree(
        PROJECT_ROOT / "notebooks",
        root,
        ignore=shutil.ignore_patterns("workspaces", ".ipynb_checkpoints", "__pycache__"),
    )
    return root


def _write_settings(folder: Path) -> None:
    for name, values in SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


class JupyterLab:
    """A JupyterLab server in a subprocess, stopped (with its kernels) by ``stop()``."""

    def __init__(self, root: Path, scratch: Path) -> None:
        self.root, self.scratch = root, scratch
        self.process: subprocess.Popen | None = None
        self.log = scratch / "jupyterlab.log"
        self.url = ""

    def start(self) -> None:
        settings = self.scratch / "lab-settings"
        _write_settings(settings)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.pop("MIGRATOR_QUIET", None)  # show the progress bars: they are part of what we check
        env.update(
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.scratch / "lab-workspaces"),
            JUPYTER_RUNTIME_DIR=str(self.scratch / "runtime"),
            JUPYTER_CONFIG_DIR=str(self.scratch / "config"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        for _attempt in range(3):  # the port may be taken between probing and binding
            port = _free_port()
            command = [
                sys.executable, "-m", "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.token=",
                "--ServerApp.password=",
                "--ServerApp.disable_check_xsrf=True",
                f"--ServerApp.root_dir={self.root}",
                "--LabApp.news_url=None",
                "--LabApp.expose_app_in_browser=True",
            ]
            if hasattr(os, "getuid") and os.getuid() == 0:
                command.append("--allow-root")
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
    server = JupyterLab(_copy_notebooks(scratch), scratch)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=STEP_MS
        )
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1700})
            page = context.new_page()
            page.set_default_timeout(STEP_MS)
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}", wait_until="domcontentloaded")
            _run_all_cells(page)
            yield page
        finally:
            browser.close()


def _run_all_cells(page) -> None:
    """Wait for the kernel, clear the stored outputs, run every cell, wait until all have run."""
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
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
    assert page.locator(".jp-InputPrompt", has_text="[*]").count() == 0, "cells still running"


def _explorer(page):
    return page.locator(".migrator-explorer").first


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
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
        ".jp-RenderedText[data-mime-type*=error]"
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
    assert page.locator(".jupyter-widgets").count() > 0
    explorer = _explorer(page)
    explorer.scroll_into_view_if_needed()
    assert explorer.is_visible()
    for label in ("Upgrade to selected", "Downgrade to selected", "Upgrade one step", "Downgrade one step"):
        assert explorer.get_by_role("button", name=label).is_visible(), label
    assert explorer.locator(".migrator-timeline select option").count() == 5  # base + 0001..0004
    # Mermaid: JupyterLab draws each ```mermaid fence as an SVG (an <img> of it, or inline).
    drawn = page.locator(".jp-RenderedMermaid")
    drawn.first.wait_for(state="attached")
    assert drawn.count() >= 4  # the revision graph, two schemas, the explorer's diagram
    assert page.locator(".jp-RenderedMermaid.jp-mod-warning").count() == 0, "a diagram failed to render"
    svg = _diagram_until(explorer, lambda svg: "books" in svg and "slug" in svg)
    assert "books" in svg and "slug" in svg
    assert explorer.locator(".migrator-source .highlight").count() == 1  # pygments HTML
    explorer.screenshot(path=str(SCREENSHOTS / "08_explorer_widget.png"))


def test_progress_bar_reaches_its_total(page):
    bar = page.locator(".jp-OutputArea-output", has_text="upgrade to 0004").first
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
            const panel = document.querySelector('.migrator-explorer .migrator-version');
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
        "() => document.querySelector('.migrator-explorer .migrator-version').innerText.includes('0004')"
    )
    explorer.get_by_role("button", name="Upgrade one step").click()  # past the head
    alert = explorer.locator(".migrator-status [role=alert]")
    alert.wait_for(state="visible")
    assert "How to fix" in alert.inner_text()
    assert "0004" in _version_text(explorer)
    stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
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
        "() => document.querySelector('.migrator-explorer .migrator-version').innerText.includes('no row')"
    )
    assert "no tables yet" in _diagram_until(explorer, lambda svg: "no tables yet" in svg)
    assert page.locator(".jp-RenderedMermaid.jp-mod-warning").count() == 0
    expect(explorer).to_contain_text("No tables yet")
    explorer.screenshot(path=str(SCREENSHOTS / "08_explorer_at_base.png"))
