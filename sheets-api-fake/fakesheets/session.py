"""A ``requests.Session`` that sends Google API traffic to the fake, and nowhere else."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

GOOGLE_HOSTS = ("sheets.googleapis.com", "www.googleapis.com")


class NonLoopbackRequestError(RuntimeError):
    """Raised instead of sending a request to anything but a loopback address."""


def is_loopback_host(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class FakeSession(requests.Session):
    """Rewrites ``https://sheets.googleapis.com`` (and Drive's host) to the fake's URL.

    gspread 6 imports its URL constants by name, so the session is the one seam that sees
    every request. Anything whose final host is not loopback is refused, so a test can
    never reach the internet, even through a redirect or a proxy setting.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__()
        parts = urlsplit(base_url)
        if not is_loopback_host(parts.hostname):
            raise NonLoopbackRequestError(f"fake server URL must be loopback: {base_url}")
        self.base = parts
        self.trust_env = False  # ignore HTTP(S)_PROXY: a proxy would be a non-loopback hop
        self.proxies = {}

    def rewrite(self, url: str) -> str:
        """Point a Google API URL at the fake; other URLs are returned unchanged."""
        parts = urlsplit(url)
        if parts.hostname in GOOGLE_HOSTS:
            return urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Every request (redirects included) passes through here before hitting a socket."""
        request.url = self.rewrite(str(request.url))
        host = urlsplit(request.url).hostname
        if not is_loopback_host(host):
            raise NonLoopbackRequestError(f"refusing non-loopback request to {host!r}")
        kwargs["proxies"] = {}
        return super().send(request, **kwargs)


def fake_session(server: Any) -> FakeSession:
    """A session for ``gspread.Client(auth=None, session=fake_session(server))``."""
    return FakeSession(str(server.url))
