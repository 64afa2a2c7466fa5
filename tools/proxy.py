"""The workshop's proxy: configurable-http-proxy's Python implementation, with room for a room.

That proxy forwards each HTTP request with Tornado's ``AsyncHTTPClient``, whose default pool
runs 10 requests at a time and fails a request that waited 20 s in its queue (HTTP 599, which
the proxy turns into a 503). A room that logs in at once sends more: at 30 learners, 9 got a
503 on "start my server" (bench/RESULTS.md), because each of those requests waits up to 10 s in
the hub. So this raises the pool to ``MAX_CLIENTS`` and then runs the proxy's own command line
unchanged (workshop/jupyterhub_config.py starts it with JupyterHub's usual arguments).
Websockets do not use that pool.

    python tools/proxy.py --ip 127.0.0.1 --port 8000 ...     (the arguments of configurable-http-proxy)
"""

from __future__ import annotations

from tornado.httpclient import AsyncHTTPClient

#: Requests forwarded at once: a browser opening JupyterLab fetches dozens of files in parallel.
MAX_CLIENTS = 1000


def main() -> None:
    AsyncHTTPClient.configure(None, max_clients=MAX_CLIENTS)
    from configurable_http_proxy.cli import main as proxy

    proxy()


if __name__ == "__main__":
    main()
