"""The planner alone: parse the tabs, apply the rules and diff, with no I/O at all.

Times `core.pipeline.plan_sheet` (read_contacts + read_log + plan_followups + diff_plan) on a
generated sheet, twice per size: a first sync (no owned columns yet, so every row
changes) and a steady-state sync (the sheet already shows the plan; nothing changes).
Wall time is the best of N runs (time.perf_counter), CPU time that run's
time.process_time; peak memory is tracemalloc's peak during one separate run, so the
tracing overhead never touches the timings. The three stages (parse the raw cells into
typed columns, apply the rules, diff against the sheet) are timed apart too, each the
best CPU time of N runs.

The floor is a yardstick, not a planner: the least any planner that starts from the
backends' Python cells must do, which is to lay each tab out as columns and visit every
cell once (strip it when it is text). It says how far the planner is from that limit
on the machine at hand, which a bare CPU time on a shared machine cannot.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from bench.generate import generate
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.core.diff import diff_plan
from sheets_keepup.core.model import SheetData
from sheets_keepup.core.parse import read_contacts, read_log
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.planner import plan_followups
from sheets_keepup.core.settings import Config, config_from_mapping

TODAY = dt.date(2026, 11, 23)


def bench_config() -> Config:
    """Default rules, as a Google source would be configured."""
    return config_from_mapping({"source": {"kind": "google", "spreadsheet": "bench"}})


@dataclass(frozen=True)
class PlannerResult:
    rows: int
    scenario: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    cells_changed: int
    runs: int
    parse_cpu_s: float
    rules_cpu_s: float
    diff_cpu_s: float
    floor_cpu_s: float


def _backends(rows: int, config: Config) -> dict[str, MemoryBackend]:
    sheet = generate(rows, TODAY)
    first = MemoryBackend.from_rows({"Contacts": sheet.contacts, "Log": sheet.log})
    steady = MemoryBackend.from_rows({"Contacts": sheet.contacts, "Log": sheet.log})
    steady.apply(plan_sheet(steady.read(["Contacts", "Log"]), config, TODAY).changes)
    return {"first sync": first, "nothing new": steady}


def measure(rows: int, repeats: int) -> list[PlannerResult]:
    """Time and trace plan_sheet at one size, for both scenarios."""
    config = bench_config()
    results = []
    for scenario, backend in _backends(rows, config).items():
        data = backend.read(["Contacts", "Log"])
        best = (float("inf"), 0.0)
        changed = 0
        for _ in range(repeats):
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            planned = plan_sheet(data, config, TODAY)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            changed = len(planned.changes.cells)
            del planned
            best = min(best, (wall, cpu))
        gc.collect()
        tracemalloc.start()
        planned = plan_sheet(data, config, TODAY)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del planned
        stages = _stage_cpu(data, config, repeats)
        floor = _best_cpu(functools.partial(visit_every_cell, data), repeats)
        results.append(
            PlannerResult(
                rows, scenario, best[0], best[1], peak / 2**20, changed, repeats, *stages, floor
            )
        )
    return results


def visit_every_cell(data: SheetData) -> int:
    """Lay every tab out as columns and strip each text cell once; count the filled cells.

    Short rows are padded first; pandas' own constructor is then the cheapest way found
    to turn the rows into columns (cheaper than numpy or a comprehension per column).
    """
    filled = 0
    for tab in data.tabs.values():
        width = max(map(len, tab.rows), default=0)
        pad = [None] * width
        rows = [r if len(r) == width else [*r, *pad[len(r) :]] for r in tab.rows]
        grid = pd.DataFrame(rows, dtype=object)
        for col in grid.columns:
            texts = [v.strip() if type(v) is str else v for v in grid[col].tolist()]
            filled += len(texts) - texts.count(None) - texts.count("")
    return filled


def _best_cpu(work: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        cpu = time.process_time()
        work()
        best = min(best, time.process_time() - cpu)
    return best


def _stage_cpu(data: SheetData, config: Config, repeats: int) -> tuple[float, float, float]:
    """Best CPU seconds of each stage of plan_sheet: parse, rules, diff."""
    tab, log_tab = data.tabs["Contacts"], data.tabs["Log"]

    def parse() -> tuple[Any, Any]:
        return read_contacts(tab, config, data.locale), read_log(log_tab, config, data.locale)

    contacts, log = parse()
    plan = plan_followups(contacts, tab, log, config, TODAY)
    return (
        _best_cpu(parse, repeats),
        _best_cpu(lambda: plan_followups(contacts, tab, log, config, TODAY), repeats),
        _best_cpu(lambda: diff_plan(plan, contacts, tab, config), repeats),
    )


def repeats_for(rows: int, quick: bool) -> int:
    """More runs where a run is short, so the best-of is meaningful."""
    if quick:
        return 1 if rows >= 10_000 else 3
    return 3 if rows >= 100_000 else 5 if rows >= 10_000 else 10


def main(sizes: list[int], quick: bool = False) -> list[PlannerResult]:
    results = []
    print(
        f"{'rows':>8} {'scenario':<12} {'wall s':>8} {'cpu s':>8} {'parse':>7} {'rules':>7}"
        f" {'diff':>7} {'floor':>7} {'peak MB':>8} {'cells':>8}"
    )
    for rows in sizes:
        for r in measure(rows, repeats_for(rows, quick)):
            print(
                f"{r.rows:>8} {r.scenario:<12} {r.wall_s:>8.3f} {r.cpu_s:>8.3f}"
                f" {r.parse_cpu_s:>7.3f} {r.rules_cpu_s:>7.3f} {r.diff_cpu_s:>7.3f}"
                f" {r.floor_cpu_s:>7.3f}"
                f" {r.peak_mb:>8.1f} {r.cells_changed:>8}"
            )
            results.append(r)
    return results


if __name__ == "__main__":
    import sys

    main([int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "100,1000,10000").split(",")])
