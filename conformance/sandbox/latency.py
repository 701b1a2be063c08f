"""A fixed delay before every AWS call the emulator answers: AWS's latency, seen from a CI runner.

On the emulator a call takes milliseconds; on AWS, from a runner in another region, 50-300 ms, so
what is fast against the emulator can be slow for real. `--latency-ms N` (`sandbox.py up
--latency-ms 100`) makes every AWS request wait N ms before moto answers it. The server is
threaded: concurrent requests wait side by side, as they would on the network.

The emulator's own endpoints (`/moto-api/...`) are not delayed, and neither is this one, which
reads and changes the delay of a running emulator (the benchmarks measure one deployment at two
latencies):

    GET  /sandbox-api/latency           {"latency_ms": 100}
    POST /sandbox-api/latency?ms=N      sets it, answers the same
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

CONTROL_PATH = "/sandbox-api/latency"
NOT_DELAYED = ("/moto-api/", CONTROL_PATH)
MAX_LATENCY_MS = 60_000

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def check_latency(value: object) -> int:
    """A latency in whole milliseconds, from 0 to a minute; one line naming the value otherwise."""
    try:
        latency = int(str(value))
    except ValueError:
        latency = -1
    if not 0 <= latency <= MAX_LATENCY_MS:
        raise ValueError(f"latency: expected whole milliseconds from 0 to {MAX_LATENCY_MS}, found {value!r}")
    return latency


def latency_argument(text: str) -> int:
    """`--latency-ms`'s type: a bad value is argparse's one usage line."""
    try:
        return check_latency(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class Latency:
    """WSGI middleware: sleep `latency_ms` before handing an AWS request to the emulator."""

    def __init__(self, app: WsgiApp, latency_ms: int = 0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.app = app
        self.latency_ms = check_latency(latency_ms)
        self.sleep = sleep

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == CONTROL_PATH:
            return self._control(environ, start_response)
        if self.latency_ms and not path.startswith(NOT_DELAYED):
            self.sleep(self.latency_ms / 1000)
        return self.app(environ, start_response)

    def _control(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status = "200 OK"
        answer: dict[str, Any]
        if environ.get("REQUEST_METHOD") == "POST":
            wanted = parse_qs(environ.get("QUERY_STRING", "")).get("ms", [""])[0]
            try:
                self.latency_ms = check_latency(wanted)
            except ValueError as error:
                status = "400 Bad Request"
                answer = {"error": str(error)}
        if status.startswith("200"):
            answer = {"latency_ms": self.latency_ms}
        body = json.dumps(answer).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def set_latency(url: str, latency_ms: int) -> int:
    """Change a running emulator's latency (at `url`); returns the latency it now adds."""
    from urllib.request import Request, urlopen

    request = Request(f"{url}{CONTROL_PATH}?ms={check_latency(latency_ms)}", method="POST")
    with urlopen(request, timeout=10) as answer:
        return int(json.loads(answer.read())["latency_ms"])
