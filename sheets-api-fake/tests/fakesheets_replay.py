"""Replay real recorded Google Sheets traffic against the fake and classify each exchange.

The recordings live outside the repository, in ``shared/sheets-api-recordings`` next to
the repository checkout (``<repo>/../shared``); they are read, never copied. The path is
found from this file, so it is the same whichever folder pytest runs from.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from fakesheets import FakeSheetsServer, FakeSheetsState
from fakesheets.batch import UNSUPPORTED
from fakesheets.model import Sheet, Spreadsheet

REPO_ROOT = Path(__file__).resolve().parents[2]  # <repo>/sheets-api-fake/tests/this file
RECORDINGS = REPO_ROOT.parent / "shared" / "sheets-api-recordings" / "gspread-cassettes"
SHEETS_HOST = "sheets.googleapis.com"

# Sheets endpoints the fake does not implement at all.
UNSUPPORTED_PATH_PARTS = (":copyTo", ":getByDataFilter", "developerMetadata", "ByDataFilter")
# Field masks asking for spreadsheet features the fake does not model.
UNSUPPORTED_FIELDS = ("protectedRanges", "filterViews")

MATCHED = "matched"
MISMATCHED = "mismatched"
NOT_APPLICABLE = "not applicable"


@dataclass
class Outcome:
    """One recorded exchange and what the fake made of it."""

    cassette: str
    index: int
    method: str
    path: str
    verdict: str
    reason: str = ""
    exact: bool = False  # response body identical to Google's, not just the same shape


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(1 for o in self.outcomes if o.verdict == verdict)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def replayed(self) -> int:
        return self.count(MATCHED) + self.count(MISMATCHED)

    def reasons(self, verdict: str) -> Counter[str]:
        return Counter(o.reason for o in self.outcomes if o.verdict == verdict)

    @property
    def exact(self) -> int:
        return sum(1 for o in self.outcomes if o.verdict == MATCHED and o.exact)

    def summary(self) -> str:
        return (
            f"interactions={self.total} replayed={self.replayed} matched={self.count(MATCHED)} "
            f"(byte-for-byte equal JSON: {self.exact}) mismatched={self.count(MISMATCHED)} "
            f"not_applicable={self.count(NOT_APPLICABLE)}"
        )


def _json_or_none(text: str | None) -> Any:
    """Request bodies are JSON except for a few Drive uploads."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def cassette_paths() -> list[Path]:
    return sorted(RECORDINGS.glob("*.json"))


def same_shape(expected: Any, actual: Any, path: str = "$") -> str | None:
    """None when both have the same keys and JSON types all the way down, else where not."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return None if type(expected) is type(actual) else f"{path}: {expected!r} vs {actual!r}"
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return None
    if type(expected) is not type(actual):
        return f"{path}: type {type(expected).__name__} vs {type(actual).__name__}"
    if isinstance(expected, dict):
        if set(expected) != set(actual):
            return f"{path}: keys {sorted(set(expected) ^ set(actual))}"
        for key in expected:
            problem = same_shape(expected[key], actual[key], f"{path}.{key}")
            if problem:
                return problem
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{path}: length {len(expected)} vs {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            problem = same_shape(e, a, f"{path}[{i}]")
            if problem:
                return problem
    return None


def blank_from_metadata(meta: dict[str, Any]) -> Spreadsheet:
    """A blank fake spreadsheet mirroring a recorded ``spreadsheets.get`` response."""
    book = Spreadsheet(meta["spreadsheetId"], dict(meta.get("properties", {})))
    for sheet in meta.get("sheets", []):
        book.sheets.append(Sheet(properties=json.loads(json.dumps(sheet["properties"]))))
    return book


def _unsupported_reason(
    method: str, path: str, query: dict[str, list[str]], body: Any
) -> str | None:
    """Why a Sheets request is outside the fake's scope, or None when it is in scope."""
    if any(part in path for part in UNSUPPORTED_PATH_PARTS):
        return "unsupported endpoint"
    if method == "POST" and path.endswith(":batchUpdate") and "/values" not in path:
        kinds = [
            next(iter(r)) for r in (body or {}).get("requests", []) if isinstance(r, dict) and r
        ]
        bad = [k for k in kinds if k in UNSUPPORTED]
        if bad:
            return f"unsupported batchUpdate kind {bad[0]}"
    fields = ",".join(query.get("fields", []))
    if any(name in fields for name in UNSUPPORTED_FIELDS):
        return "asks for unmodelled fields"
    return None


class Replayer:
    """Replays one cassette file against a fresh fake server."""

    def __init__(self, server: FakeSheetsServer, name: str) -> None:
        self.server = server
        self.name = name
        self.session = requests.Session()
        self.session.trust_env = False
        self.known: set[str] = set()  # spreadsheet ids created by the cassette (via Drive)
        self.diverged: dict[str, str] = {}  # spreadsheet id -> why its state left our model

    def run(self, interactions: list[dict[str, Any]]) -> list[Outcome]:
        return [self._one(i, it) for i, it in enumerate(interactions)]

    def _one(self, index: int, it: dict[str, Any]) -> Outcome:
        req, resp = it["request"], it["response"]
        parts = urlsplit(req["uri"])
        method = req["method"]
        outcome = Outcome(self.name, index, method, parts.path, NOT_APPLICABLE)
        body_text = req.get("body")
        body = _json_or_none(body_text)
        if parts.hostname != SHEETS_HOST:
            self._note_drive(method, parts.path, resp)
            outcome.reason = "Drive API"
            return outcome
        book_id = unquote(parts.path.split("/")[3].split(":")[0])
        query = parse_qs(parts.query, keep_blank_values=True)
        status = resp["status"]["code"]
        if book_id not in self.known:
            if status == 404:
                pass  # a deliberately missing spreadsheet: the fake must 404 too
            else:
                outcome.reason = (
                    "spreadsheet not created through the recording (Drive copy or another account)"
                )
                return outcome
        elif book_id not in self.server.state.spreadsheets:
            if method == "GET" and parts.path.endswith(book_id) and status == 200:
                self.server.state.add_spreadsheet(
                    blank_from_metadata(json.loads(resp["body"]["string"]))
                )
            else:
                outcome.reason = "no metadata recorded before first use"
                return outcome
        if book_id in self.diverged:
            outcome.reason = f"state diverged after {self.diverged[book_id]}"
            return outcome
        reason = _unsupported_reason(method, parts.path, query, body)
        if reason:
            outcome.reason = reason
            if status == 200 and method != "GET":
                self.diverged[book_id] = reason
            return outcome
        self._reserve_sheet_ids(book_id, parts.path, resp)
        url = self.server.url + parts.path + (f"?{parts.query}" if parts.query else "")
        got = self.session.request(
            method,
            url,
            data=body_text.encode() if body_text else None,
            headers={"Content-Type": "application/json"},
        )
        outcome.verdict, outcome.reason = self._compare(parts.path, status, resp, got)
        expected_body = resp["body"]["string"]
        outcome.exact = (json.loads(expected_body) if expected_body else None) == (
            got.json() if got.content else None
        )
        if outcome.verdict == MISMATCHED and method != "GET":
            self.diverged[book_id] = f"mismatched write #{index}"
        return outcome

    def _reserve_sheet_ids(self, book_id: str, path: str, resp: dict[str, Any]) -> None:
        """Google picks random ids for new sheets and named ranges; pin the recorded ones."""
        if not path.endswith(":batchUpdate") or "/values" in path or resp["status"]["code"] != 200:
            return
        replies = json.loads(resp["body"]["string"]).get("replies", [])
        book = self.server.state.spreadsheets[book_id]
        book.reserved_sheet_ids.extend(
            r["addSheet"]["properties"]["sheetId"] for r in replies if "addSheet" in r
        )
        book.reserved_named_range_ids.extend(
            r["addNamedRange"]["namedRange"]["namedRangeId"]
            for r in replies
            if "addNamedRange" in r
        )

    def _note_drive(self, method: str, path: str, resp: dict[str, Any]) -> None:
        """Drive create gives the spreadsheet id; delete forgets it."""
        ok = resp["status"]["code"] == 200
        if method == "POST" and path == "/drive/v3/files" and ok:
            self.known.add(json.loads(resp["body"]["string"])["id"])
        if method == "GET" and path == "/drive/v3/files" and ok:
            # files.list: spreadsheets the account owns; each is mirrored from its first
            # recorded metadata response.
            self.known.update(f["id"] for f in json.loads(resp["body"]["string"]).get("files", []))
        if method in ("PUT", "PATCH", "POST") and "/files/" in path:
            # Drive uploads/copies rewrite content the fake never saw.
            book_id = path.split("/files/")[1].split("/")[0]
            self.diverged.setdefault(book_id, "a Drive upload or copy")
        if method == "DELETE" and path.startswith("/drive/v3/files/"):
            book_id = path.rsplit("/", 1)[1]
            self.server.state.spreadsheets.pop(book_id, None)
            self.diverged.pop(book_id, None)

    @staticmethod
    def _compare(
        path: str, status: int, resp: dict[str, Any], got: requests.Response
    ) -> tuple[str, str]:
        if got.status_code != status:
            return MISMATCHED, f"status {status} vs {got.status_code}: {got.text[:300]}"
        expected = json.loads(resp["body"]["string"]) if resp["body"]["string"] else None
        actual = got.json() if got.content else None
        if "/values" in path or status >= 400:
            if expected == actual:
                return MATCHED, ""
            want, got_text = json.dumps(expected)[:300], json.dumps(actual)[:300]
            return MISMATCHED, f"values differ: expected {want} got {got_text}"
        problem = same_shape(expected, actual)
        return (MATCHED, "") if problem is None else (MISMATCHED, f"shape: {problem}")


def replay_all() -> Report:
    """Replay every cassette, each against fresh state on one server."""
    report = Report()
    with FakeSheetsServer() as server:
        for path in cassette_paths():
            interactions = json.loads(path.read_text(encoding="utf-8"))["interactions"]
            server.state = FakeSheetsState()
            report.outcomes.extend(Replayer(server, path.stem).run(interactions))
    return report


if __name__ == "__main__":
    import sys

    rep = replay_all()
    print(rep.summary())
    inexact = Counter(
        f"{o.method} {o.path.split('/')[-1][:40]}"
        for o in rep.outcomes
        if o.verdict == MATCHED and not o.exact
    )
    print("--- matched by shape only:", sum(inexact.values()))
    for verdict in (MISMATCHED, NOT_APPLICABLE):
        print(f"--- {verdict}")
        for reason, n in rep.reasons(verdict).most_common(200 if "-v" in sys.argv else 30):
            print(f"{n:4d} {reason[:400]}")
