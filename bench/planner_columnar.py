"""The planner on the columnar seam: CPU medians of 5 at each size, first sync and nothing new.

    python -m bench.planner_columnar 10000,100000

Times `core.pipeline.plan_sheet` on a generated sheet (three Log rows per contact) as
the in-memory backend reads it, twice per size: a first sync (no owned columns yet,
every row written) and nothing new (the sheet already shows the plan). Reports the
median process CPU time of 5 runs (time.process_time), the same for each stage of the
plan timed apart (reading Contacts, reading the Log, the rules, the diff), and the
growth from each size to the next. Nothing here asserts a timing.
"""

from __future__ import annotations

import gc
import itertools
import statistics
import sys
import time

from bench.generate import generate
from bench.planner import TODAY, bench_config
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.core.diff import diff_plan
from sheets_keepup.core.gcpause import gc_paused
from sheets_keepup.core.model import SheetData
from sheets_keepup.core.parse import contacts_tab, read_contacts
from sheets_keepup.core.pipeline import _read_log_or_report, plan_sheet
from sheets_keepup.core.planner import plan_followups
from sheets_keepup.core.settings import Config

RUNS = 5


def _reads(rows: int, config: Config) -> dict[str, SheetData]:
    sheet = generate(rows, TODAY)
    first = MemoryBackend.from_rows({"Contacts": sheet.contacts, "Log": sheet.log})
    steady = MemoryBackend.from_rows({"Contacts": sheet.contacts, "Log": sheet.log})
    steady.apply(plan_sheet(steady.read(["Contacts", "Log"]), config, TODAY).changes)
    return {
        "first sync": first.read(["Contacts", "Log"]),
        "nothing new": steady.read(["Contacts", "Log"]),
    }


def median_cpu(data: SheetData, config: Config, runs: int = RUNS) -> tuple[float, int]:
    """Median CPU seconds of `runs` plans, and the cells the last one changed."""
    times = []
    cells = 0
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        planned = plan_sheet(data, config, TODAY)
        times.append(time.process_time() - start)
        cells = len(planned.changes.cells)
        del planned
    return statistics.median(times), cells


STAGES = ("contacts", "log", "rules", "diff")


def median_stages(data: SheetData, config: Config, runs: int = RUNS) -> dict[str, float]:
    """Median CPU seconds of each stage of `plan_sheet`, timed apart as it runs them."""
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for _ in range(runs):
        gc.collect()
        with gc_paused():
            marks = [time.process_time()]
            tab = contacts_tab(data, config)
            contacts = read_contacts(tab, config, data.locale)
            marks.append(time.process_time())
            log = _read_log_or_report(data.tabs.get(config.tabs.log), config, data.locale)
            marks.append(time.process_time())
            plan = plan_followups(contacts, tab, log, config, TODAY)
            marks.append(time.process_time())
            diff_plan(plan, contacts, tab, config)
            marks.append(time.process_time())
        for stage, start, end in zip(STAGES, marks, marks[1:], strict=False):
            times[stage].append(end - start)
    return {stage: statistics.median(spent) for stage, spent in times.items()}


def main(sizes: list[int]) -> dict[tuple[int, str], float]:
    config = bench_config()
    found: dict[tuple[int, str], float] = {}
    print(
        f"{'contacts':>9} {'log rows':>9} {'scenario':<12} {'cpu s (median of 5)':>20} {'cells':>8}"
        f"  {' / '.join(STAGES)} (medians of 5)"
    )
    for rows in sizes:
        for scenario, data in _reads(rows, config).items():
            cpu, cells = median_cpu(data, config)
            found[(rows, scenario)] = cpu
            stages = median_stages(data, config)
            split = " / ".join(f"{stages[stage]:.3f}" for stage in STAGES)
            print(f"{rows:>9} {rows * 3:>9} {scenario:<12} {cpu:>20.3f} {cells:>8}  {split}")
    for before, after in itertools.pairwise(sizes):
        for scenario in ("first sync", "nothing new"):
            ratio = found[(after, scenario)] / found[(before, scenario)]
            print(
                f"growth {before}->{after} {scenario}: {ratio:.1f}x for {after / before:.0f}x rows"
            )
    return found


if __name__ == "__main__":
    main([int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "10000,100000").split(",")])
