"""The workshop's proxy forwards a room's requests at once, not ten at a time (tools/proxy.py).

A real proxy process in front of a real upstream server whose every answer takes 1 s; 30
requests go out together. The stock Python configurable-http-proxy lets 10 through at a time
(Tornado's default client pool), which under a room's login made the hub's 503s.
"""

from __future__ import annotations

import asyncio
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
        await asyncio.sleep(1)
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


def most_at_once(command: list[str]) -> int:
    upstream = SlowUpstream()
    threading.Thread(target=upstream.serve, daemon=True).start()
    upstream.ready.wait(10)
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

        async def burst():
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
                async def one(i):
                    async with session.get(f"http://127.0.0.1:{port}/r{i}") as answer:
                        return answer.status
                return await asyncio.gather(*(one(i) for i in range(REQUESTS)))

        upstream.most = 0
        statuses = asyncio.run(burst())
        assert statuses == [200] * REQUESTS
        return upstream.most
    finally:
        proxy.terminate()
        proxy.wait(10)


def test_the_workshop_proxy_forwards_a_rooms_requests_at_once():
    assert most_at_once([sys.executable, str(ROOT / "tools" / "proxy.py")]) == REQUESTS


def test_the_stock_python_proxy_forwards_ten_at_a_time():
    """Why tools/proxy.py exists; if this starts failing, the stock proxy may be enough again."""
    assert most_at_once([str(Path(sys.executable).parent / "configurable-http-proxy")]) <= 10
