"""The workshop's proxy under a room's load (tools/proxy.py), against the stock Python proxy.

A real proxy process in front of a real upstream server: 30 requests of 1 s each go out
together (the stock proxy lets 10 through at a time: Tornado's client pool), and one request
whose answer takes 21 s (the stock proxy gives up after 20 s with a 503: Tornado's
request_timeout). Both made the hub's 503s when a room of 30 logged in at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("configurable_http_proxy", reason="configurable-http-proxy is not installed")

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from tools.workshop import ROOT, free_port  # noqa: E402

REQUESTS = 30


class SlowUpstream:
    """An HTTP server in a thread: each request sleeps 1 s; it counts how many ran at once."""

    def __init__(self):
        self.port, self.running, self.most = free_port(), 0, 0
        self.ready = threading.Event()

    async def answer(self, request):
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(21 if request.path == "/slow" else 1)
        self.running -= 1
        return web.Response(text="ok")

    def serve(self):
        async def run():
            app = web.Application()
            app.router.add_get("/{tail:.*}", self.answer)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            self.ready.set()
            while True:
                await asyncio.sleep(3600)

        asyncio.new_event_loop().run_until_complete(run())


WORKSHOP = [sys.executable, str(ROOT / "tools" / "proxy.py")]
STOCK = [str(Path(sys.executable).parent / "configurable-http-proxy")]


def upstream_server() -> SlowUpstream:
    upstream = SlowUpstream()
    threading.Thread(target=upstream.serve, daemon=True).start()
    upstream.ready.wait(10)
    return upstream


@contextlib.contextmanager
def proxy_to(upstream: SlowUpstream, command: list[str]):
    """A running proxy process whose default target is ``upstream``; yields its port."""
    port, api = free_port(), free_port()
    proxy = subprocess.Popen(
        [*command, "--ip", "127.0.0.1", "--port", str(port), "--api-ip", "127.0.0.1", "--api-port", str(api),
         "--default-target", f"http://127.0.0.1:{upstream.port}", "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/warm-up", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or proxy.poll() is not None:
                    raise AssertionError("the proxy did not start")
                time.sleep(0.2)
        yield port
    finally:
        proxy.terminate()
        proxy.wait(10)


async def get_all(urls: list[str]) -> list[int]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async def one(url):
            async with session.get(url) as answer:
                return answer.status
        return await asyncio.gather(*(one(url) for url in urls))


def most_at_once(command: list[str]) -> int:
    upstream = upstream_server()
    with proxy_to(upstream, command) as port:
        upstream.most = 0
        statuses = asyncio.run(get_all([f"http://127.0.0.1:{port}/r{i}" for i in range(REQUESTS)]))
    assert statuses == [200] * REQUESTS
    return upstream.most


def test_the_workshop_proxy_forwards_a_rooms_requests_at_once():
    assert most_at_once(WORKSHOP) == REQUESTS


def test_the_stock_python_proxy_forwards_ten_at_a_time():
    """Why tools/proxy.py exists; if this starts failing, the stock proxy may be enough again."""
    assert most_at_once(STOCK) <= 10


def test_the_workshop_proxy_waits_for_a_slow_answer_where_the_stock_one_gives_up_after_20_s():
    upstream = upstream_server()
    with proxy_to(upstream, WORKSHOP) as workshop, proxy_to(upstream, STOCK) as stock:
        statuses = asyncio.run(get_all([f"http://127.0.0.1:{workshop}/slow", f"http://127.0.0.1:{stock}/slow"]))
    assert statuses == [200, 503]
