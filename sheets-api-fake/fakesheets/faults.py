"""Fault injection and the request log, shared by the server's handler threads."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body_size: int
    response_size: int
    status: int
    kind: str  # "read", "write" or "other" (Drive, unknown)
    body: Any = None
    dropped: bool = False  # the connection was cut after the headers
    # The API method served, as Google names it (``sheets.spreadsheets.values.
    # batchUpdateByDataFilter``, ``drive.files.get``); "" for a path no route serves.
    name: str = ""


@dataclass
class RequestInfo:
    """What a ``before_request`` hook is told about the request about to be served."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    number: int  # 1-based count of requests seen so far, this one included


@dataclass
class _Match:
    method: str | None = None
    path_pattern: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_pattern is None or re.search(self.path_pattern, path) is not None


@dataclass
class _QueuedError(_Match):
    status: int = 429
    message: str | None = None


@dataclass
class _Hook(_Match):
    callback: Callable[[Any, RequestInfo], None] = field(default=lambda state, info: None)
    once: bool = False
    at_request: int | None = None  # fire only before the request with this number


@dataclass
class _Quota:
    limits: dict[str, int]
    clock: Clock
    stamps: dict[str, deque[float]] = field(default_factory=dict)

    def admit(self, kind: str) -> bool:
        """Sliding one-minute window per request kind (Google counts reads and writes apart)."""
        now = self.clock()
        window = self.stamps.setdefault(kind, deque())
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= self.limits.get(kind, 1 << 30):
            return False
        window.append(now)
        return True


class Faults:
    """Everything a test can make the server do wrong. All methods are thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: list[_QueuedError] = []
        self._drops: list[_Match] = []
        self._hooks: list[_Hook] = []
        self._quota: _Quota | None = None
        self.latency = 0.0
        self.permission_revoked = False
        self.revoked_ids: set[str] = set()

    def queue_error(
        self,
        status: int = 429,
        count: int = 1,
        *,
        method: str | None = None,
        path_pattern: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` (429, 500, 503...)."""
        with self._lock:
            for _ in range(count):
                self._errors.append(_QueuedError(method, path_pattern, status, message))

    def drop_connection(
        self, count: int = 1, *, method: str | None = None, path_pattern: str | None = None
    ) -> None:
        """Send headers for the next ``count`` matching requests, then close the socket.

        The request itself is still served (a write is applied), as when a real response
        is lost on the way back: the client cannot tell whether its write happened.
        """
        with self._lock:
            self._drops.extend(_Match(method, path_pattern) for _ in range(count))

    def set_latency(self, seconds: float) -> None:
        """Delay every response by ``seconds``."""
        self.latency = seconds

    def set_quota(
        self,
        per_minute: int | None,
        clock: Clock = time.monotonic,
        *,
        write_per_minute: int | None = None,
    ) -> None:
        """Allow ``per_minute`` reads (and as many writes, unless ``write_per_minute`` says
        otherwise) in any sliding minute of ``clock``; 429 past it. ``None`` turns it off.

        Google's defaults are 60 and 60 per user; a batch request counts once.
        """
        with self._lock:
            if per_minute is None:
                self._quota = None
                return
            writes = per_minute if write_per_minute is None else write_per_minute
            self._quota = _Quota({"read": per_minute, "write": writes}, clock)

    def revoke_permission(self, revoked: bool = True, spreadsheet_id: str | None = None) -> None:
        """Answer Sheets requests with 403 PERMISSION_DENIED (or restore access): all of
        them, or only those for one spreadsheet."""
        with self._lock:
            if spreadsheet_id is None:
                self.permission_revoked = revoked
                self.revoked_ids.clear()
            elif revoked:
                self.revoked_ids.add(spreadsheet_id)
            else:
                self.revoked_ids.discard(spreadsheet_id)

    def denies(self, path: str) -> bool:
        """Whether a request path falls under a revoked permission."""
        if path.startswith("/drive/"):
            return False
        with self._lock:
            if self.permission_revoked:
                return True
            return any(f"/spreadsheets/{key}" in path for key in self.revoked_ids)

    def before_request(
        self,
        callback: Callable[[Any, RequestInfo], None],
        *,
        method: str | None = None,
        path_pattern: str | None = None,
        once: bool = True,
        at_request: int | None = None,
    ) -> None:
        """Run ``callback(state, info)`` before serving a matching request.

        The callback may edit the state (for example ``state.insert_rows(...)`` between a
        sync's read and its write). With ``once`` it fires for the first matching request
        only; ``at_request=n`` waits for the server's n-th request (1-based, all kinds).
        """
        with self._lock:
            self._hooks.append(_Hook(method, path_pattern, callback, once, at_request))

    between_requests = before_request

    def clear(self) -> None:
        """Remove every queued fault, hook, quota and latency."""
        with self._lock:
            self._errors.clear()
            self._drops.clear()
            self._hooks.clear()
            self._quota = None
            self.revoked_ids.clear()
        self.latency = 0.0
        self.permission_revoked = False

    # --- used by the server -------------------------------------------------------------

    def take_error(self, method: str, path: str) -> _QueuedError | None:
        with self._lock:
            for i, err in enumerate(self._errors):
                if err.matches(method, path):
                    return self._errors.pop(i)
        return None

    def take_drop(self, method: str, path: str) -> bool:
        with self._lock:
            for i, drop in enumerate(self._drops):
                if drop.matches(method, path):
                    del self._drops[i]
                    return True
        return False

    def take_hooks(
        self, method: str, path: str, number: int
    ) -> list[Callable[[Any, RequestInfo], None]]:
        with self._lock:
            hits = [
                h for h in self._hooks if h.matches(method, path) and h.at_request in (None, number)
            ]
            self._hooks = [h for h in self._hooks if not (h.once and any(h is x for x in hits))]
        return [h.callback for h in hits]

    def over_quota(self, kind: str) -> bool:
        with self._lock:
            return self._quota is not None and not self._quota.admit(kind)
