"""Run every benchmark and write docs/benchmarks.md and docs/benchmarks.png.

    python -m bench.run [--sizes 100,1000,10000,100000] [--e2e-sizes 100,1000,10000]
                        [--cap 500] [--quick]

Sizes in --sizes but not in --e2e-sizes are modelled for the sync comparison (request
counts and write bodies computed exactly without HTTP, read bytes scaled linearly from
the largest measured size); the planner is always timed at every size.
"""

from __future__ import annotations

import argparse
import json
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import e2e, model, planner, report

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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--e2e-sizes", default="100,1000,10000")
    parser.add_argument("--cap", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="fewer timing runs")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    e2e_sizes = [s for s in (int(x) for x in args.e2e_sizes.split(",")) if s in sizes]

    planner_results = [asdict(r) for r in planner.main(sizes, args.quick)]
    synced = [asdict(r) for r in e2e.main(e2e_sizes, args.cap)]
    modelled = [model.as_dict(m) for s in sizes for m in model.model(s)]
    results: dict[str, Any] = {
        "machine": machine(),
        "planner": planner_results,
        "sync": synced,
        "modelled": modelled,
        "cap": args.cap,
        "e2e_sizes": e2e_sizes,
        "sizes": sizes,
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    report.write(results, args.out)


if __name__ == "__main__":
    main()
