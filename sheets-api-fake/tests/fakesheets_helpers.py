"""Helpers shared by the fake Sheets tests (a uniquely named module, so that importing it
cannot collide with another directory's ``conftest``)."""

from __future__ import annotations

from typing import Any

from fakesheets import FakeSession


class Api:
    """Thin helper to call the fake with Google URLs and get (status, json) back."""

    BASE = "https://sheets.googleapis.com/v4/spreadsheets"

    def __init__(self, session: FakeSession, key: str) -> None:
        self.session = session
        self.key = key

    def call(self, method: str, suffix: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        resp = self.session.request(
            method, f"{self.BASE}/{self.key}{suffix}", json=body, params=params
        )
        return resp.status_code, resp.json()

    def get_values(self, rng: str, **params: Any) -> tuple[int, Any]:
        return self.call("GET", f"/values/{rng}", **params)

    def put_values(
        self, rng: str, values: Any, option: str = "RAW", **params: Any
    ) -> tuple[int, Any]:
        return self.call(
            "PUT", f"/values/{rng}", {"values": values}, valueInputOption=option, **params
        )

    def batch(self, *requests: Any) -> tuple[int, Any]:
        return self.call("POST", ":batchUpdate", {"requests": list(requests)})

    def meta(self, **params: Any) -> tuple[int, Any]:
        return self.call("GET", "", **params)
