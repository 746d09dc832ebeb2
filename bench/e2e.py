"""Whole syncs against the offline Sheets API, three ways, with the request log as the meter.

The fake server runs in its own process, so that the memory measured for a sync is the
client's alone; every sync runs in a fresh interpreter (`python -m bench.e2e --case ...`)
and reports its peak resident set size (VmHWM).

Approaches, all planning with sheets-keepup's own planner so that only I/O differs:

- ``keepup``: sheets-keepup's GoogleBackend and `sync` (one read, an identity check and
  one batchUpdate, split only past 2 MB).
- ``naive``: what a user would script with gspread: `get_all_records`, then one
  `update_cell` per changed cell and one `format` per changed row.
- ``dataframe``: gspread-dataframe + gspread-formatting: `get_as_dataframe`, then
  `set_with_dataframe` of the three owned columns and `format_cell_ranges` with one range
  per row.

Time against Google is projected with a virtual clock shared with the fake: each HTTP
request costs LATENCY_S, and the fake enforces Google's per-minute quota on that clock
(after a 429 the client waits, virtually, until its oldest request of that kind leaves
the one-minute window, then tries again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import mmap
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.generate import CONTACT_HEADERS, HEADER_ROW, edit_last_contacts, generate
from bench.planner import TODAY, bench_config

LATENCY_S = 0.2
"""Assumed round trip of one request to Google."""
QUOTA_PER_MINUTE = 60
"""Google's default per-user quota, for reads and for writes separately."""
RETRY_WAIT_S = 0.01
"""Virtual margin a client adds to its wait after a 429 before trying again."""
EDIT_SHARE = 0.01
APPROACHES = ("keepup", "naive", "dataframe")
SCENARIOS = ("first sync", "nothing new", "1% edited")


# --- the shared virtual clock ---------------------------------------------------------


class VirtualClock:
    """Seconds as a double in a small memory-mapped file, shared by every process."""

    def __init__(self, path: str | None = None) -> None:
        if path is None:
            handle, path = tempfile.mkstemp(prefix="bench-clock-")
            os.write(handle, struct.pack("d", 0.0))
            os.close(handle)
        self.name = path
        with open(path, "r+b") as file:
            self.map = mmap.mmap(file.fileno(), 8)

    def now(self) -> float:
        value: float = struct.unpack("d", self.map[:8])[0]
        return value

    def set(self, value: float) -> None:
        self.map[:8] = struct.pack("d", value)

    def advance(self, seconds: float) -> None:
        self.set(self.now() + seconds)

    def close(self, unlink: bool = False) -> None:
        self.map.close()
        if unlink:
            os.unlink(self.name)


# --- the server process ---------------------------------------------------------------


def _serve(conn: Connection, clock_name: str) -> None:
    """Run the fake and answer commands from the orchestrator until told to stop."""
    from fakesheets import FakeSheetsServer

    clock = VirtualClock(clock_name)
    contacts: dict[str, list[list[Any]]] = {}
    with FakeSheetsServer() as server:
        conn.send(str(server.url))
        while True:
            command, *args = conn.recv()
            if command == "seed":
                sheet = generate(args[0], TODAY)
                # Grids as wide as the data: at 100,000 contacts and 300,000 touches,
                # Sheets' default 26 columns would pass its 10 million cell limit.
                key = server.state.create_spreadsheet(
                    {"Contacts": sheet.contacts, "Log": sheet.log},
                    title="Contacts",
                    locale="en_GB",
                    cols=len(CONTACT_HEADERS),
                )
                contacts[key] = sheet.contacts
                conn.send(key)
            elif command == "edit":
                key, share = args
                rows = edit_last_contacts(contacts[key], share, TODAY)
                col = chr(ord("A") + CONTACT_HEADERS.index("Last contact"))
                for row in rows:
                    server.state.set_values(key, f"Contacts!{col}{row + 1}", [[TODAY]])
                conn.send(len(rows))
            elif command == "quota":
                server.faults.set_quota(args[0], clock=clock.now)
                conn.send(True)
            elif command == "log":
                records = [
                    (r.kind, r.body_size, r.response_size, r.status) for r in server.requests
                ]
                server.clear_log()
                conn.send(records)
            elif command == "drop":
                server.state.spreadsheets.pop(args[0], None)  # free a finished sheet's memory
                contacts.pop(args[0], None)
                conn.send(True)
            else:
                conn.send(True)
                break
    clock.close()


@contextmanager
def fake_server() -> Iterator[tuple[Connection, str, VirtualClock]]:
    """The fake in a child process: (command pipe, base URL, shared clock)."""
    clock = VirtualClock()
    parent, child = get_context("spawn").Pipe()
    process = get_context("spawn").Process(target=_serve, args=(child, clock.name), daemon=True)
    process.start()
    url = parent.recv()
    try:
        yield parent, url, clock
    finally:
        parent.send(("stop",))
        parent.recv()
        process.join(30)
        clock.close(unlink=True)


def _ask(conn: Connection, *command: Any) -> Any:
    conn.send(command)
    return conn.recv()


# --- the client side (runs in a fresh interpreter per sync) ---------------------------


def _session(url: str, clock: VirtualClock) -> Any:
    """A session to the fake that charges LATENCY_S a request and waits out 429s."""
    from fakesheets import FakeSession

    windows: dict[str, deque[float]] = {"read": deque(), "write": deque()}

    class MeteredSession(FakeSession):
        def send(self, request: Any, **kwargs: Any) -> Any:
            window = windows["read" if request.method == "GET" else "write"]
            while True:
                clock.advance(LATENCY_S)
                response = super().send(request, **kwargs)
                if response.status_code != 429:
                    window.append(clock.now())
                    if len(window) > QUOTA_PER_MINUTE:
                        window.popleft()
                    return response
                # Wait (virtually) until the oldest request of this kind leaves the minute.
                oldest = window[0] if window else clock.now()
                clock.set(max(clock.now(), oldest + 60.0 - LATENCY_S) + RETRY_WAIT_S)

    return MeteredSession(url)


def _client(url: str, clock: VirtualClock) -> Any:
    import gspread

    return gspread.Client(auth=None, session=_session(url, clock))


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _letter(col: int) -> str:
    from sheets_keepup.core.headers import column_letter

    return str(column_letter(col))


def run_keepup(url: str, key: str, clock: VirtualClock, cap: int) -> dict[str, Any]:
    """sheets-keepup itself."""
    from sheets_keepup.app.sync import sync
    from sheets_keepup.backends.google.backend import GoogleBackend

    backend = GoogleBackend(_client(url, clock), key, retry_wait=0.01)
    read = backend.read
    spent = [0.0]

    def timed_read(tabs: Any) -> Any:
        # CPU of the read: the HTTP answers' JSON decoded and laid out as the tabs.
        started = time.process_time()
        try:
            return read(tabs)
        finally:
            spent[0] += time.process_time() - started

    backend.read = timed_read  # type: ignore[method-assign]
    result = sync(backend, bench_config(), TODAY)
    return {
        "cells": len(result.changes.cells),
        "fills": len(result.changes.fills),
        "read_cpu_s": spent[0],
    }


def _plan_rows(contacts: list[list[Any]], log: list[list[Any]]) -> Any:
    from sheets_keepup.core.model import SheetData, Tab
    from sheets_keepup.core.pipeline import plan_sheet

    data = SheetData({"Contacts": Tab("Contacts", contacts), "Log": Tab("Log", log)}, "en_GB")
    return plan_sheet(data, bench_config(), TODAY)


def run_naive(url: str, key: str, clock: VirtualClock, cap: int) -> dict[str, Any]:
    """get_all_records, then update_cell per changed cell and format per changed row.

    Runs the first `cap` per-row calls and counts the rest without sending them.
    """
    from gspread.utils import ValueRenderOption

    from sheets_keepup.backends.google.encode import rgb

    sheet = _client(url, clock).open_by_key(key)
    ws = sheet.worksheet("Contacts")
    unformatted = ValueRenderOption.unformatted
    records = ws.get_all_records(head=HEADER_ROW + 1, value_render_option=unformatted)
    log_records = sheet.worksheet("Log").get_all_records(value_render_option=unformatted)
    headers = list(records[0]) if records else list(CONTACT_HEADERS)
    contacts: list[list[Any]] = [[], [], headers]
    contacts += [[r.get(h) for h in headers] for r in records]
    log_headers = list(log_records[0]) if log_records else []
    log = [log_headers, *[[r.get(h) for h in log_headers] for r in log_records]]
    planned = _plan_rows(contacts, log)
    end = _letter(int(planned.changes.end_col) - 1)
    colours = planned.plan.rows["colour"]
    # Row by row, as such a script loops: the row's changed cells, then its colour.
    calls: list[tuple[str, Any]] = []
    previous: int | None = None
    for cell in planned.changes.cells:
        if previous not in (None, cell.row, HEADER_ROW):
            calls.append(("row", previous))
        calls.append(("cell", cell))
        previous = cell.row
    if previous not in (None, HEADER_ROW):
        calls.append(("row", previous))
    done = 0
    for kind, what in calls[:cap]:
        if kind == "cell":
            ws.update_cell(what.row + 1, what.col + 1, _iso(what.value))
        else:
            ws.format(f"A{what + 1}:{end}{what + 1}", {"backgroundColor": rgb(colours[what])})
        done += 1
    rest = calls[cap:]
    if rest:
        # Not measured: bring the sheet to the synced state in two batch requests, so the
        # next sync starts where a full run would have left it. The orchestrator counts
        # only the first `counted` requests of the log.
        cells = [what for kind, what in rest if kind == "cell"]
        ws.batch_update(
            [{"range": f"{_letter(c.col)}{c.row + 1}", "values": [[_iso(c.value)]]} for c in cells],
            value_input_option="USER_ENTERED",
        )
        rows = [what for kind, what in rest if kind == "row"]
        if rows:
            ws.batch_format(
                [
                    {"range": f"A{r + 1}:{end}{r + 1}", "format": {"backgroundColor": bg}}
                    for r, bg in ((r, rgb(colours[r])) for r in rows)
                ]
            )
    reads = 5  # open_by_key, worksheet() x2, get_all_records x2
    return {"planned_calls": len(calls), "executed_calls": done, "counted": reads + done}


def run_dataframe(url: str, key: str, clock: VirtualClock, cap: int) -> dict[str, Any]:
    """get_as_dataframe, then set_with_dataframe (owned columns) and format_cell_ranges."""
    import pandas as pd
    from gspread_dataframe import get_as_dataframe, set_with_dataframe
    from gspread_formatting import CellFormat, Color, format_cell_ranges

    sheet = _client(url, clock).open_by_key(key)
    ws = sheet.worksheet("Contacts")
    frame = get_as_dataframe(ws, evaluate_formulas=True, header=HEADER_ROW, dtype=object)
    log_frame = get_as_dataframe(sheet.worksheet("Log"), evaluate_formulas=True, dtype=object)

    def rows_of(df: pd.DataFrame) -> list[list[Any]]:
        cells = df.astype(object).where(df.notna(), None)
        return [list(map(str, df.columns)), *cells.to_numpy().tolist()]

    # get_as_dataframe drops empty rows; keep sheet row numbers from its index.
    body = rows_of(frame)
    contacts: list[list[Any]] = [[], [], body[0]]
    by_row = dict(zip(frame.index.tolist(), body[1:], strict=True))
    contacts += [by_row.get(i, []) for i in range(max(by_row, default=-1) + 1)]
    planned = _plan_rows(contacts, rows_of(log_frame))
    columns = planned.changes.owned_columns
    plan = planned.plan.rows
    first_row = HEADER_ROW + 1
    owned = pd.DataFrame(index=range(first_row, len(contacts)))
    owned["Next action"] = plan["next_action"].reindex(owned.index).fillna("")
    owned["Due"] = plan["due"].reindex(owned.index).dt.strftime("%Y-%m-%d").fillna("")
    owned["Status"] = plan["status"].reindex(owned.index).fillna("")
    first_col = min(columns.values())
    set_with_dataframe(ws, owned, row=HEADER_ROW + 1, col=first_col + 1, include_index=False)
    end = _letter(int(planned.changes.end_col) - 1)
    ranges = []
    for row, colour in plan["colour"].items():
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        ranges.append(
            (f"A{row + 1}:{end}{row + 1}", CellFormat(backgroundColor=Color(red, green, blue)))
        )
    format_cell_ranges(ws, ranges)
    return {"rows_written": len(owned), "ranges": len(ranges)}


RUNNERS = {"keepup": run_keepup, "naive": run_naive, "dataframe": run_dataframe}


def _peak_rss_kb() -> int:
    """This process's peak resident set size.

    VmHWM belongs to the address space, which exec replaces; ru_maxrss would instead keep
    the high-water mark of the process that spawned us.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _case_main(spec: dict[str, Any]) -> None:
    clock = VirtualClock(spec["clock"])
    start_virtual = clock.now()
    wall = time.perf_counter()
    extra = RUNNERS[spec["approach"]](spec["url"], spec["key"], clock, spec["cap"])
    wall = time.perf_counter() - wall
    peak_kb = _peak_rss_kb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "virtual_s": clock.now() - start_virtual,
        "peak_rss_mb": peak_kb / 1024,
        **extra,
    }
    clock.close()
    print(json.dumps(out))


# --- the orchestrator -----------------------------------------------------------------


@dataclass
class SyncResult:
    approach: str
    scenario: str
    rows: int
    requests: int
    reads: int
    writes: int
    bytes_sent: int
    bytes_received: int
    largest_body: int
    wall_s: float
    peak_rss_mb: float
    projected_s: float
    """From the formula, for the full request count."""
    measured_projection_s: float | None
    """From the virtual clock with the fake enforcing the quota (None when capped)."""
    extrapolated: bool
    executed_requests: int
    cpu_s: float | None = None
    """CPU time of the whole syncing process, interpreter start included."""
    read_cpu_s: float | None = None
    """CPU time of the backend's reads (sheets-keepup only): JSON decoding and layout."""


def projected_seconds(reads: int, writes: int) -> float:
    """Sequential requests at LATENCY_S each, under 60 reads and 60 writes a minute.

    A kind's n requests need at least (ceil(n/60) - 1) whole minutes before its last block
    of up to 60 can start; the total is the larger of that bound plus the last block's
    latency, and all requests' latency end to end.
    """

    def quota(n: int) -> float:
        if n == 0:
            return 0.0
        blocks = math.ceil(n / QUOTA_PER_MINUTE)
        return (blocks - 1) * 60.0 + (n - (blocks - 1) * QUOTA_PER_MINUTE) * LATENCY_S

    return max((reads + writes) * LATENCY_S, quota(reads), quota(writes))


def _run_case(approach: str, url: str, key: str, clock: VirtualClock, cap: int) -> dict[str, Any]:
    spec = {"approach": approach, "url": url, "key": key, "clock": clock.name, "cap": cap}
    done = subprocess.run(
        [sys.executable, "-m", "bench.e2e", "--case", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{approach} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(
    rows: int,
    conn: Connection,
    url: str,
    clock: VirtualClock,
    cap: int,
    approaches: tuple[str, ...] = APPROACHES,
) -> list[SyncResult]:
    """Three syncs (first, nothing new, 1% edited) per approach on fresh sheets."""
    results = []
    for approach in approaches:
        key = _ask(conn, "seed", rows)
        for scenario in SCENARIOS:
            if scenario == "1% edited":
                _ask(conn, "edit", key, EDIT_SHARE)
            _ask(conn, "log")  # start from an empty log
            _ask(conn, "quota", QUOTA_PER_MINUTE)
            out = _run_case(approach, url, key, clock, cap)
            _ask(conn, "quota", None)
            log = [r for r in _ask(conn, "log") if r[3] != 429]
            if "counted" in out:
                log = log[: out["counted"]]
            results.append(_result(approach, scenario, rows, out, log))
            print(_line(results[-1]), flush=True)
        _ask(conn, "drop", key)
    return results


def _result(
    approach: str, scenario: str, rows: int, out: dict[str, Any], log: list[tuple[Any, ...]]
) -> SyncResult:
    reads = sum(1 for r in log if r[0] == "read")
    writes = len(log) - reads
    sent = sum(r[1] for r in log)
    received = sum(r[2] for r in log)
    largest = max((r[1] for r in log), default=0)
    executed = len(log)
    extrapolated = out.get("planned_calls", 0) > out.get("executed_calls", 0)
    if extrapolated:
        # Every per-row call is a write of about the same size: scale the executed ones.
        per_row = [r for r in log if r[0] == "write"]
        ratio = out["planned_calls"] / max(1, len(per_row))
        writes = out["planned_calls"]
        sent = int(sum(r[1] for r in log if r[0] != "write") + sum(r[1] for r in per_row) * ratio)
        received = int(
            sum(r[2] for r in log if r[0] != "write") + sum(r[2] for r in per_row) * ratio
        )
    return SyncResult(
        approach=approach,
        scenario=scenario,
        rows=rows,
        requests=reads + writes,
        reads=reads,
        writes=writes,
        bytes_sent=sent,
        bytes_received=received,
        largest_body=largest,
        wall_s=out["wall_s"],
        peak_rss_mb=out["peak_rss_mb"],
        projected_s=projected_seconds(reads, writes),
        measured_projection_s=None if extrapolated else out["virtual_s"],
        extrapolated=extrapolated,
        executed_requests=executed,
        cpu_s=out.get("cpu_s"),
        read_cpu_s=out.get("read_cpu_s"),
    )


def _line(r: SyncResult) -> str:
    measured = "-" if r.measured_projection_s is None else f"{r.measured_projection_s:.0f}"
    flag = " (extrapolated)" if r.extrapolated else ""
    return (
        f"{r.rows:>7} {r.approach:<9} {r.scenario:<11} req {r.requests:>7} "
        f"(r {r.reads} w {r.writes}) sent {r.bytes_sent:>11,} recv {r.bytes_received:>12,} "
        f"largest {r.largest_body:>10,} wall {r.wall_s:7.2f}s cpu {r.cpu_s or 0:6.2f}s "
        f"read cpu {r.read_cpu_s or 0:5.2f}s rss {r.peak_rss_mb:6.0f}MB "
        f"projected {r.projected_s:8.0f}s measured {measured}{flag}"
    )


def main(sizes: list[int], cap: int, approaches: tuple[str, ...] = APPROACHES) -> list[SyncResult]:
    results: list[SyncResult] = []
    for rows in sizes:
        # A fresh server per size keeps the fake's memory bounded.
        with fake_server() as (conn, url, clock):
            results += measure(rows, conn, url, clock, cap, approaches)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", help="internal: run one sync and print its measures")
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--cap", type=int, default=500)
    parser.add_argument("--approaches", default=",".join(APPROACHES))
    args = parser.parse_args()
    if args.case:
        _case_main(json.loads(args.case))
    else:
        chosen = tuple(a for a in args.approaches.split(",") if a in APPROACHES)
        found = main([int(s) for s in args.sizes.split(",")], args.cap, chosen)
        print(json.dumps([asdict(r) for r in found], indent=1))
