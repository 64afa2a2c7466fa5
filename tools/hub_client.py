"""A simulated learner: logs in to the workshop hub and runs a notebook the way JupyterLab does.

Everything goes over HTTP and the kernel's websocket, through the hub's proxy, with cookies
(no API token): the login form, the hub's REST API to start the server, the OAuth hand-over
to the learner's server (``/user/<name>/lab``), the contents API to read the notebook, the
sessions API to start its kernel, and ``execute_request`` messages on the kernel's channels
websocket, one code cell at a time, as "Run All" does. tests/test_workshop.py and
bench/workshop.py use it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
from yarl import URL


class LearnerError(RuntimeError):
    """One step of a learner's session failed: which step, and what the hub or kernel said."""


@dataclass
class Cell:
    """One executed cell: what it ran, how long it took, what it printed, the error it raised."""

    index: int
    seconds: float
    status: str
    text: str = ""
    error: str | None = None


@dataclass
class Learner:
    hub: str  # http://127.0.0.1:PORT
    name: str
    password: str
    timings: dict[str, float] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None

    # -- the hub ----------------------------------------------------------------------------
    async def __aenter__(self) -> "Learner":
        # unsafe=True: keep cookies from an IP-address host such as 127.0.0.1
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=None, sock_read=300)
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    def _xsrf(self, path: str) -> str:
        cookies = self.session.cookie_jar.filter_cookies(URL(f"{self.hub}{path}"))
        return cookies["_xsrf"].value if "_xsrf" in cookies else ""

    async def login(self) -> None:
        """The login form, as a browser posts it: the page first (it sets the _xsrf cookie)."""
        started = time.monotonic()
        async with self.session.get(f"{self.hub}/hub/login") as page:
            await page.read()
        form = {"username": self.name, "password": self.password, "_xsrf": self._xsrf("/hub/")}
        async with self.session.post(f"{self.hub}/hub/login", data=form, allow_redirects=False) as answer:
            if answer.status != 302:
                raise LearnerError(f"{self.name}: login answered {answer.status}, not a redirect")
        self.timings["login"] = time.monotonic() - started

    async def hub_api(self, method: str, path: str, expect: tuple[int, ...] = (200,)) -> dict:
        headers = {"X-XSRFToken": self._xsrf("/hub/")}
        body = {} if method == "POST" else None  # the hub takes a cookie-authenticated POST only as JSON
        async with self.session.request(method, f"{self.hub}/hub/api{path}", json=body, headers=headers) as answer:
            body = await answer.text()
            if answer.status not in expect:
                raise LearnerError(f"{self.name}: {method} /hub/api{path} answered {answer.status}: {body[:300]}")
            return json.loads(body) if body else {}

    async def start_server(self, timeout: float) -> None:
        """POST /hub/api/users/<name>/server, then wait until the hub calls it ready."""
        started = time.monotonic()
        await self.hub_api("POST", f"/users/{self.name}/server", expect=(201, 202, 400))
        while True:
            model = await self.hub_api("GET", f"/users/{self.name}")
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                break
            if time.monotonic() - started > timeout:
                raise LearnerError(f"{self.name}: the server was not ready after {timeout:.0f} s")
            await asyncio.sleep(0.5)
        # JupyterLab's page: the OAuth hand-over sets the server's cookie and its _xsrf cookie
        async with self.session.get(f"{self.hub}/user/{self.name}/lab") as lab:
            await lab.read()
            if lab.status != 200:
                raise LearnerError(f"{self.name}: /user/{self.name}/lab answered {lab.status}")
        self.timings["server"] = time.monotonic() - started

    async def stop_server(self) -> None:
        await self.hub_api("DELETE", f"/users/{self.name}/server", expect=(202, 204, 400))

    # -- the learner's own server --------------------------------------------------------
    async def api(self, method: str, path: str, body: dict | None = None, expect=(200, 201, 204)) -> dict:
        base = f"/user/{self.name}"
        headers = {"X-XSRFToken": self._xsrf(f"{base}/")}
        async with self.session.request(method, f"{self.hub}{base}/api{path}", json=body, headers=headers) as answer:
            text = await answer.text()
            if answer.status not in expect:
                raise LearnerError(f"{self.name}: {method} {base}/api{path} answered {answer.status}: {text[:300]}")
            return json.loads(text) if text else {}

    async def read_notebook(self, path: str) -> dict:
        return (await self.api("GET", f"/contents/{path}?content=1&type=notebook"))["content"]

    async def run(self, path: str, extra_cells: list[str] = (), cell_timeout: float = 120) -> list[Cell]:
        """Open the notebook's kernel (cwd: its folder), run every code cell, then ``extra_cells``."""
        notebook = await self.read_notebook(path)
        sources = [("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                   for c in notebook["cells"] if c["cell_type"] == "code"]
        session = await self.api("POST", "/sessions", {
            "path": path, "name": path.rsplit("/", 1)[-1], "type": "notebook", "kernel": {"name": "python3"},
        })
        kernel, session_id = session["kernel"]["id"], uuid.uuid4().hex
        url = f"{self.hub.replace('http', 'ws', 1)}/user/{self.name}/api/kernels/{kernel}/channels?session_id={session_id}"
        cells = []
        try:
            async with self.session.ws_connect(url, max_msg_size=0, heartbeat=30) as channel:
                for index, code in enumerate([*sources, *extra_cells]):
                    cells.append(await self._execute(channel, session_id, index, code, cell_timeout))
        finally:
            await self.api("DELETE", f"/sessions/{session['id']}", expect=(204, 404))
        return cells

    async def _execute(self, channel, session_id: str, index: int, code: str, timeout: float) -> Cell:
        msg_id = uuid.uuid4().hex
        await channel.send_str(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name,
                       "session": session_id, "version": "5.3", "date": dt.datetime.now(dt.UTC).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": False},
        }))
        started = time.monotonic()
        status, idle, text, error = None, False, [], None
        while status is None or not idle:
            left = timeout - (time.monotonic() - started)
            if left <= 0:
                raise LearnerError(f"{self.name}: cell {index} did not finish within {timeout:.0f} s")
            message = await channel.receive(timeout=left)
            if message.type != aiohttp.WSMsgType.TEXT:
                raise LearnerError(f"{self.name}: the kernel's websocket closed during cell {index} ({message.type})")
            reply = json.loads(message.data)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = reply["header"]["msg_type"], reply["content"]
            if kind == "execute_reply":
                status = content["status"]
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "stream":
                text.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                text.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                error = content["ename"]
        return Cell(index, time.monotonic() - started, status, "".join(text), error)


def exercise_cells(solution_code: str) -> list[str]:
    """What a learner types after the notebook: the solution (on ``ws_ex``), then the check.

    The check's cell prints PASSED or NOT YET and the check's message: ``passed(cells)`` reads it.
    """
    return [
        f"ws = ws_ex\n{solution_code}",
        "_feedback = exercise.check()\nprint('PASSED' if _feedback else 'NOT YET', _feedback.message)",
    ]


def expected_errors(notebook: dict) -> dict[int, str]:
    """Code cell index -> the error name its committed output shows (a cell that teaches an error)."""
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    return {i: o["ename"] for i, c in enumerate(code) for o in c.get("outputs", []) if o["output_type"] == "error"}


def failures(cells: list[Cell], expected: dict[int, str]) -> list[str]:
    """Each cell that did not do what the committed notebook shows, and a check that did not pass."""
    problems = [
        f"cell {c.index}: {c.error or c.status} (expected {expected.get(c.index) or 'ok'})"
        for c in cells if c.error != expected.get(c.index)
    ]
    if not cells or not cells[-1].text.startswith("PASSED"):
        problems.append(f"exercise check: {cells[-1].text.strip()[:200] if cells else 'not run'}")
    return problems
