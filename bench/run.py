"""Run every benchmark and write docs/benchmarks.md and docs/benchmarks.png.

    python -m bench.run [--sizes 100,1000,10000,100000] [--e2e-sizes 100,1000,10000]
                        [--keepup-sizes 100000] [--xlsx-sizes 1000,10000,50000]
                        [--xlsx-runs 3] [--cap 500] [--quick]

Every approach syncs against the fake at the sizes in --e2e-sizes; sheets-keepup alone
also at --keepup-sizes. For the two gspread scripts, sizes in --sizes that were not run
are modelled (request counts and write bodies computed exactly without HTTP, read bytes
scaled linearly from the largest measured size). The planner is timed at every size,
and the xlsx command line at every --xlsx-sizes size (medians of --xlsx-runs).
"""

from __future__ import annotations

import argparse
import json
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import e2e, model, planner, report, xlsx

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, str]:
    """Generic facts about the machine the numbers came from."""
    import os

    import pandas as pd

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 2**20:.0f} GB"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": platform.system(),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "libraries": ", ".join(f"{name} {_version(name)}" for name in LIBRARIES),
    }


LIBRARIES = ("numpy", "pyarrow", "gspread", "requests", "python-calamine", "lxml", "openpyxl")


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--e2e-sizes", default="100,1000,10000")
    parser.add_argument("--keepup-sizes", default="100000")
    parser.add_argument("--xlsx-sizes", default="1000,10000,50000")
    parser.add_argument("--xlsx-runs", type=int, default=3)
    parser.add_argument("--cap", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="fewer timing runs")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    e2e_sizes = [s for s in (int(x) for x in args.e2e_sizes.split(",")) if s in sizes]

    planner_results = [asdict(r) for r in planner.main(sizes, args.quick)]
    keepup_sizes = [int(s) for s in args.keepup_sizes.split(",") if s]
    synced = [asdict(r) for r in e2e.main(e2e_sizes, args.cap)]
    alone = [s for s in keepup_sizes if s not in e2e_sizes]
    synced += [asdict(r) for r in e2e.main(alone, args.cap, ("keepup",))]
    modelled = [model.as_dict(m) for s in sizes if s not in e2e_sizes for m in model.model(s)]
    books = [int(s) for s in args.xlsx_sizes.split(",") if s]
    workbooks = [asdict(r) for r in xlsx.main(books, args.xlsx_runs)]
    results: dict[str, Any] = {
        "machine": machine(),
        "planner": planner_results,
        "sync": synced,
        "modelled": modelled,
        "xlsx": workbooks,
        "xlsx_runs": args.xlsx_runs,
        "cap": args.cap,
        "e2e_sizes": e2e_sizes,
        "sizes": sizes,
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    report.write(results, args.out)


if __name__ == "__main__":
    main()
