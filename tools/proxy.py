"""The workshop's proxy: configurable-http-proxy's Python implementation, with room for a room.

That proxy forwards each request with Tornado's HTTP client, and two of Tornado's defaults
turn a room's login into 503s (bench/RESULTS.md, K=30):

- the client's pool runs 10 requests at a time and fails one that waited 20 s in its queue:
  9 of 30 learners got a 503 on "start my server" (each such request waits up to 10 s in the hub);
- with the pool raised, every request to the hub or a learner's server, websockets included,
  is failed after 20 s (Tornado's ``request_timeout``), and 30 servers starting at once on 2 cores
  make the hub slower than that: 30 of 30 got the 503.

So this raises the pool to ``MAX_CLIENTS`` and, unless ``--proxy-timeout`` is given, waits
``PROXY_TIMEOUT_MS`` for an answer (the Node proxy has no such timeout), then runs the proxy's
own command line unchanged (workshop/jupyterhub_config.py starts it with JupyterHub's arguments).

    python tools/proxy.py --ip 127.0.0.1 --port 8000 ...     (the arguments of configurable-http-proxy)
"""

from __future__ import annotations

import sys

from tornado.httpclient import AsyncHTTPClient

#: Requests forwarded at once: a browser opening JupyterLab fetches dozens of files in parallel.
MAX_CLIENTS = 1000
#: How long an answer may take (a browser or a learner gives up earlier, as with the Node proxy).
PROXY_TIMEOUT_MS = 600_000


def main() -> None:
    AsyncHTTPClient.configure(None, max_clients=MAX_CLIENTS)
    if not any(arg.startswith("--proxy-timeout") for arg in sys.argv[1:]):
        sys.argv[1:1] = ["--proxy-timeout", str(PROXY_TIMEOUT_MS)]
    from configurable_http_proxy.cli import main as proxy

    proxy()


if __name__ == "__main__":
    main()
