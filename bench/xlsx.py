"""Whole `sheets-keepup sync` runs on generated workbooks, one fresh interpreter per sync.

    python -m bench.xlsx [--sizes 1000,10000,50000] [--runs 3] [--keep DIR]

Each size gets a workbook generated once (`bench/generate.py`'s Contacts and a Log 3x as
long, written by `write_new_workbook`, as `init` writes one), then, `--runs` times on a
fresh copy: the first sync, a second sync with nothing new, and a sync after 1% of the
rows had their Last contact set to today (written into the workbook through the
package patcher, as a user's save of those cells would leave them). Each sync is the
real command line (`sheets-keepup sync --config ... --today ...`) in its own process;
the process reports its CPU time and peak resident set size (VmHWM), the parent times
it wall to wall, interpreter start included. The medians of the runs are printed, and
written as JSON with `--out`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.generate import LAST_CONTACT_COL, edit_last_contacts, generate
from bench.planner import TODAY

SCENARIOS = ("first sync", "nothing new", "1% edited")
EDIT_SHARE = 0.01


@dataclass(frozen=True)
class XlsxResult:
    rows: int
    scenario: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    runs: int
    file_mb: float


def workbook(rows: int, folder: Path) -> Path:
    """The generated workbook for `rows` contacts, made once per folder."""
    from sheets_keepup.backends.xlsx import write_new_workbook

    path = folder / f"contacts-{rows}.xlsx"
    if not path.exists():
        sheet = generate(rows, TODAY)
        write_new_workbook(path, {"Contacts": sheet.contacts, "Log": sheet.log})
    return path


def edit(path: Path, rows: int) -> int:
    """Set Last contact to today on 1% of the contact rows, as the user would."""
    from sheets_keepup.backends.xlsx import XlsxBackend
    from sheets_keepup.core.model import CellWrite, ChangeSet

    contacts = generate(rows, TODAY).contacts
    edited = edit_last_contacts(contacts, EDIT_SHARE, TODAY)
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    cells = [CellWrite(row, LAST_CONTACT_COL, TODAY) for row in edited]
    backend.apply(ChangeSet(tab="Contacts", cells=cells))
    return len(edited)


def _config(folder: Path, book: Path) -> Path:
    config = folder / "sheets-keepup.yaml"
    config.write_text(
        f"source:\n  kind: xlsx\n  path: {book.name}\nstate_dir: {folder / 'state'}\n"
    )
    return config


def _peak_rss_mb() -> float:
    # VmHWM belongs to this address space; ru_maxrss may carry the spawning process's.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _case_main(config: str) -> None:
    """Run the command line in this process, then report CPU and peak memory."""
    import resource

    from sheets_keepup.cli import main as cli

    code = 0
    try:
        cli.main(["sync", "--config", config, "--today", TODAY.isoformat()], standalone_mode=False)
    except SystemExit as done:
        code = int(done.code or 0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out = {"cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": _peak_rss_mb(), "code": code}
    print("BENCH " + json.dumps(out), file=sys.stderr)


def _sync(config: Path) -> dict[str, float]:
    wall = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.xlsx", "--case", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - wall
    lines = [line for line in done.stderr.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"sync failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    found: dict[str, float] = json.loads(lines[-1][6:])
    if found["code"] not in (0,):
        raise RuntimeError(f"sync exited {found['code']}:\n{done.stdout[-2000:]}")
    return {"wall_s": wall, **found}


def measure(rows: int, runs: int, folder: Path) -> list[XlsxResult]:
    source = workbook(rows, folder)
    size_mb = source.stat().st_size / 2**20
    samples: dict[str, list[dict[str, float]]] = {s: [] for s in SCENARIOS}
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as tmp:
            work = Path(tmp)
            book = work / "contacts.xlsx"
            shutil.copyfile(source, book)
            config = _config(work, book)
            for scenario in SCENARIOS:
                if scenario == "1% edited":
                    edit(book, rows)
                samples[scenario].append(_sync(config))
    results = []
    for scenario, found in samples.items():
        results.append(
            XlsxResult(
                rows=rows,
                scenario=scenario,
                wall_s=statistics.median(s["wall_s"] for s in found),
                cpu_s=statistics.median(s["cpu_s"] for s in found),
                peak_rss_mb=statistics.median(s["peak_rss_mb"] for s in found),
                runs=len(found),
                file_mb=size_mb,
            )
        )
    return results


def main(sizes: list[int], runs: int, keep: Path | None = None) -> list[XlsxResult]:
    folder = keep or Path(tempfile.mkdtemp(prefix="bench-xlsx-books-"))
    folder.mkdir(parents=True, exist_ok=True)
    results: list[XlsxResult] = []
    try:
        for rows in sizes:
            for result in measure(rows, runs, folder):
                results.append(result)
                print(
                    f"{result.rows:>7} {result.scenario:<11} wall {result.wall_s:6.2f}s "
                    f"cpu {result.cpu_s:6.2f}s rss {result.peak_rss_mb:5.0f}MB "
                    f"(median of {result.runs}, file {result.file_mb:.1f} MB)",
                    flush=True,
                )
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", help="internal: run one sync on this config and report")
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep generated workbooks in this folder")
    parser.add_argument("--out", type=Path, help="write the medians here as JSON")
    args = parser.parse_args()
    if args.case:
        _case_main(args.case)
    else:
        found = main([int(s) for s in args.sizes.split(",")], args.runs, args.keep)
        if args.out:
            args.out.write_text(json.dumps([asdict(r) for r in found], indent=1) + "\n")
