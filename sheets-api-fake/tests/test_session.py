"""The session only ever reaches loopback addresses."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
import requests
from fakesheets import (
    FakeSession,
    FakeSheetsServer,
    NonLoopbackRequestError,
    fake_session,
    is_loopback_host,
)


def test_google_urls_are_rewritten_to_the_fake(
    session: FakeSession, server: FakeSheetsServer
) -> None:
    assert (
        session.rewrite("https://sheets.googleapis.com/v4/spreadsheets/x?a=1")
        == f"{server.url}/v4/spreadsheets/x?a=1"
    )
    assert (
        session.rewrite("https://www.googleapis.com/drive/v3/files/x")
        == f"{server.url}/drive/v3/files/x"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "http://10.0.0.1/",
        "http://[2001:db8::1]/",
        "https://oauth2.googleapis.com/token",
    ],
)
def test_non_loopback_requests_are_refused_before_any_socket(
    session: FakeSession, url: str
) -> None:
    with pytest.raises(NonLoopbackRequestError):
        session.get(url)


def test_server_binds_loopback_only(server: FakeSheetsServer) -> None:
    assert server.host == "127.0.0.1"
    assert is_loopback_host(server.host)


def test_session_refuses_a_non_loopback_base() -> None:
    with pytest.raises(NonLoopbackRequestError):
        FakeSession("http://192.0.2.1:8080")


def test_proxy_environment_is_ignored(
    monkeypatch: pytest.MonkeyPatch, session: FakeSession, book: str
) -> None:
    # A proxy would be a non-loopback hop; the session must never use one.
    monkeypatch.setenv("HTTPS_PROXY", "http://192.0.2.1:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://192.0.2.1:3128")
    resp = session.get(f"https://sheets.googleapis.com/v4/spreadsheets/{book}")
    assert resp.status_code == 200


class _Redirector(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://192.0.2.1/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def redirector() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Redirector)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_redirects_to_non_loopback_are_refused(redirector: str) -> None:
    class Fake:
        url = redirector

    with fake_session(Fake()) as sess, pytest.raises(NonLoopbackRequestError):
        sess.get(f"{redirector}/start")


def test_is_loopback_host() -> None:
    assert is_loopback_host("127.0.0.1") and is_loopback_host("127.9.9.9")
    assert is_loopback_host("::1") and is_loopback_host("[::1]") and is_loopback_host("localhost")
    assert not is_loopback_host("sheets.googleapis.com")
    assert not is_loopback_host(None)


def test_plain_requests_session_still_works_for_the_fake(server: FakeSheetsServer) -> None:
    resp = requests.get(f"{server.url}/v4/spreadsheets/none", timeout=5)
    assert resp.status_code == 404
