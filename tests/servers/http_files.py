"""A local HTTP server on 127.0.0.1 serving .ics files, as a calendar's .ics address would.

`ics_server` runs one per test in a thread. A test puts bytes at a path
(`server.files["/private-token/basic.ics"] = data`), changes them between runs as the
provider would, and reads back which paths were asked for. A path not in `files`
answers 404, and `server.status` forces another answer (500, 401...) for every request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class IcsServer:
    """What the handler serves, and what it was asked for."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    status: int | None = None
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(state: IcsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            body = state.files.get(self.path)
            status = state.status or (200 if body is not None else 404)
            payload = body if status == 200 and body is not None else b"no\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: pytest shows stderr of failing tests, and a path may be a secret."""

    return Handler


@pytest.fixture
def ics_server() -> Iterator[IcsServer]:
    state = IcsServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
