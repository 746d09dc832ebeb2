"""Turn bench/results.json into docs/benchmarks.md (tables) and docs/benchmarks.png (plot)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.e2e import LATENCY_S, QUOTA_PER_MINUTE, projected_seconds

ROOT = Path(__file__).resolve().parent.parent
NAMES = {
    "keepup": "sheets-keepup",
    "naive": "gspread per row",
    "dataframe": "gspread-dataframe",
}
LIMIT = 2_000_000


def _bytes(n: float) -> str:
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    if n >= 1e3:
        return f"{n / 1e3:.0f} kB"
    return f"{n:.0f} B"


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.1f}×"


def _maybe(value: float | None, form: str) -> str:
    return "-" if value is None else form.format(value)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def sync_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Measured syncs, plus modelled ones for sizes not run against the fake."""
    measured = {(r["rows"], r["approach"], r["scenario"]): dict(r) for r in results["sync"]}
    rows = list(measured.values())
    for m in results["modelled"]:
        if (m["rows"], m["approach"], m["scenario"]) in measured:
            continue
        sizes = [r for r, a, s in measured if a == m["approach"] and s == m["scenario"]]
        if not sizes:
            continue
        biggest = max(sizes)
        base = measured[(biggest, m["approach"], m["scenario"])]
        scale = m["rows"] / biggest
        read_bytes = base["bytes_received"] * scale
        sent, largest = m["write_bytes"], m["largest_body"]
        if m["approach"] == "naive":
            # Per-row calls keep their size; only their number grows.
            per_call = base["bytes_sent"] / base["writes"] if base["writes"] else 0
            sent, largest = per_call * m["writes"], base["largest_body"] if m["writes"] else 0
        row = {
            "approach": m["approach"],
            "scenario": m["scenario"],
            "rows": m["rows"],
            "reads": m["reads"],
            "writes": m["writes"],
            "requests": m["reads"] + m["writes"],
            "bytes_sent": sent,
            "bytes_received": read_bytes,
            "largest_body": largest,
            "wall_s": None,
            "peak_rss_mb": None,
            "projected_s": projected_seconds(m["reads"], m["writes"]),
            "measured_projection_s": None,
            "extrapolated": True,
            "modelled": True,
        }
        rows.append(row)
    order = {a: i for i, a in enumerate(NAMES)}
    scen = {"first sync": 0, "nothing new": 1, "1% edited": 2}
    return sorted(rows, key=lambda r: (r["rows"], scen[r["scenario"]], order[r["approach"]]))


def sync_table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| rows | sync | approach | requests (reads + writes) | sent | received | "
        "largest body | wall on fake | peak RSS | projected vs Google | measured on fake quota |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in rows:
        mark = ""
        if r.get("modelled"):
            mark = " ᵐ"
        elif r["extrapolated"]:
            mark = " ᵉ"
        largest = _bytes(r["largest_body"]) if r["largest_body"] else "-"
        virtual = r["measured_projection_s"]
        measured = "-" if virtual is None else _duration(virtual)
        if r["largest_body"] > LIMIT:
            largest += " ⚠"
        lines.append(
            f"| {r['rows']:,} | {r['scenario']} | {NAMES[r['approach']]} | "
            f"{r['requests']:,}{mark} ({r['reads']} + {r['writes']:,}) | "
            f"{_bytes(r['bytes_sent'])}{mark} | {_bytes(r['bytes_received'])}{mark} | {largest} | "
            f"{_maybe(r['wall_s'], '{:.1f} s')} | {_maybe(r['peak_rss_mb'], '{:.0f} MB')} | "
            f"{_duration(r['projected_s'])} | {measured} |"
        )
    return head + "\n".join(lines) + "\n"


def ratio_table(rows: list[dict[str, Any]]) -> str:
    by = {(r["rows"], r["scenario"], r["approach"]): r for r in rows}
    sizes = sorted({r["rows"] for r in rows})
    head = (
        "| rows | sync | sheets-keepup requests | gspread per row ÷ keepup | "
        "gspread-dataframe ÷ keepup | projected: keepup / per row / dataframe |\n"
        "|---:|---|---:|---:|---:|---|\n"
    )
    lines = []
    for size in sizes:
        for scenario in ("first sync", "nothing new", "1% edited"):
            k = by.get((size, scenario, "keepup"))
            n = by.get((size, scenario, "naive"))
            d = by.get((size, scenario, "dataframe"))
            if not (k and n and d):
                continue
            lines.append(
                f"| {size:,} | {scenario} | {k['requests']} | "
                f"{_times(n['requests'] / k['requests'])} | "
                f"{_times(d['requests'] / k['requests'])} | "
                f"{_duration(k['projected_s'])} / {_duration(n['projected_s'])} / "
                f"{_duration(d['projected_s'])} |"
            )
    return head + "\n".join(lines) + "\n"


def targets(rows: list[dict[str, Any]]) -> str:
    """The request budget of the current Google design (see docs/google-sheets.md)."""
    lines = []
    for r in rows:
        if r["approach"] != "keepup":
            continue
        if r["scenario"] == "1% edited":
            ok = r["writes"] == 1
            want = "exactly 1 write"
        elif r["scenario"] == "nothing new":
            ok = r["reads"] <= 2 and r["writes"] == 0
            want = "at most 2 reads, no write"
        else:
            fewest = max(1, math.ceil(r["bytes_sent"] / LIMIT))
            ok = r["writes"] <= fewest + 1 and r["largest_body"] <= LIMIT
            want = f"at most {fewest + 1} writes, each under 2 MB"
        status = "met" if ok else "**missed**"
        lines.append(f"| {r['rows']:,} | {r['scenario']} | {want} | {r['requests']} | {status} |")
    head = "| rows | sync | target | requests | |\n|---:|---|---|---:|---|\n"
    return head + "\n".join(lines) + "\n"


def google_table(results: dict[str, Any]) -> str:
    """sheets-keepup against the fake: requests, bytes, CPU and memory per sync."""
    head = (
        "| contacts | sync | requests (reads + writes) | bytes received | bytes sent | "
        "read CPU | CPU, whole process | peak RSS | wall on fake |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    scen = {"first sync": 0, "nothing new": 1, "1% edited": 2}
    keepup = [r for r in results["sync"] if r["approach"] == "keepup" and r["rows"] >= 10_000]
    for r in sorted(keepup, key=lambda r: (r["rows"], scen[r["scenario"]])):
        lines.append(
            f"| {r['rows']:,} | {r['scenario']} | {r['requests']} ({r['reads']} + {r['writes']}) "
            f"| {_bytes(r['bytes_received'])} | {_bytes(r['bytes_sent'])} | "
            f"{_maybe(r.get('read_cpu_s'), '{:.1f} s')} | {_maybe(r.get('cpu_s'), '{:.1f} s')} | "
            f"{r['peak_rss_mb']:.0f} MB | {r['wall_s']:.0f} s |"
        )
    return head + "\n".join(lines) + "\n"


def xlsx_table(results: dict[str, Any], before: list[dict[str, Any]] | None) -> str:
    """The xlsx command line: wall, CPU and peak RSS per sync, before and after."""
    prior = {(b["rows"], b["scenario"]): b for b in before or []}
    head = (
        "| rows | sync | wall before | wall after | CPU before | CPU after | "
        "peak RSS before | peak RSS after |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in results.get("xlsx") or ():
        b = prior.get((r["rows"], r["scenario"]))
        lines.append(
            f"| {r['rows']:,} | {r['scenario']} | {_maybe(b and b['wall_s'], '{:.1f} s')} | "
            f"{r['wall_s']:.1f} s | {_maybe(b and b['cpu_s'], '{:.1f} s')} | {r['cpu_s']:.1f} s | "
            f"{_maybe(b and b['peak_rss_mb'], '{:.0f} MB')} | {r['peak_rss_mb']:.0f} MB |"
        )
    return head + "\n".join(lines) + "\n"


def xlsx_targets(results: dict[str, Any]) -> str:
    """Issue 16's targets at 50,000 rows."""
    wanted = {"nothing new": (3.0, 300.0), "1% edited": (5.0, None)}
    lines = []
    for r in results.get("xlsx") or ():
        if r["rows"] != 50_000 or r["scenario"] not in wanted:
            continue
        wall, memory = wanted[r["scenario"]]
        cells = [f"{r['wall_s']:.1f} s (CPU {r['cpu_s']:.1f} s) against {wall:.0f} s"]
        if memory is not None:
            cells.append(f"{r['peak_rss_mb']:.0f} MB against {memory:.0f} MB")
        met = r["wall_s"] <= wall and (memory is None or r["peak_rss_mb"] <= memory)
        lines.append(
            f"| 50,000 | {r['scenario']} | {'; '.join(cells)} | {'met' if met else '**missed**'} |"
        )
    head = "| rows | sync | measured | |\n|---:|---|---|---|\n"
    return head + "\n".join(lines) + "\n"


def planner_table(results: dict[str, Any], before: list[dict[str, Any]] | None) -> str:
    prior = {(b["rows"], b["scenario"]): b for b in before or []}
    head = (
        "| rows | sync | CPU before | CPU after | of which parse / rules / diff "
        "| floor: visit every cell | after ÷ floor "
        "| wall after (best of N) | peak memory before | peak memory after |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in results["planner"]:
        b = prior.get((r["rows"], r["scenario"]))
        ratio = r["cpu_s"] / r["floor_cpu_s"] if r["floor_cpu_s"] > 0 else None
        lines.append(
            f"| {r['rows']:,} | {r['scenario']} | "
            f"{_maybe(b and b['cpu_s'], '{:.3f} s')} | {r['cpu_s']:.3f} s | "
            f"{r['parse_cpu_s']:.3f} / {r['rules_cpu_s']:.3f} / {r['diff_cpu_s']:.3f} s | "
            f"{r['floor_cpu_s']:.3f} s | {_maybe(ratio, '{:.1f}×')} | "
            f"{r['wall_s']:.3f} s (N={r['runs']}) | "
            f"{_maybe(b and b['peak_mb'], '{:.0f} MB')} | {r['peak_mb']:.0f} MB |"
        )
    return head + "\n".join(lines) + "\n"


def planner_targets(results: dict[str, Any]) -> str:
    """The planner's targets at the largest size: CPU well under 1 s, memory under 500 MB."""
    biggest = max(r["rows"] for r in results["planner"])
    lines = []
    for r in results["planner"]:
        if r["rows"] != biggest:
            continue
        cpu = "met" if r["cpu_s"] < 1.0 else "**missed**"
        memory = "met" if r["peak_mb"] < 500 else "**missed**"
        lines.append(
            f"| {biggest:,} | {r['scenario']} | {r['cpu_s']:.2f} s: {cpu} | "
            f"{r['peak_mb']:.0f} MB: {memory} |"
        )
    head = (
        "| rows | sync | CPU (target: well under 1 s) | peak memory (target: under 500 MB) |\n"
        "|---:|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"


def plot(results: dict[str, Any], rows: list[dict[str, Any]], before: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.5))
    for approach, style in (("keepup", "o-"), ("naive", "s--"), ("dataframe", "^-.")):
        for scenario, axis in (("first sync", left), ("1% edited", middle)):
            pts = sorted(
                (r["rows"], r["requests"])
                for r in rows
                if r["approach"] == approach and r["scenario"] == scenario
            )
            if pts:
                axis.plot(*zip(*pts, strict=True), style, label=NAMES[approach])
    for axis, title in ((left, "First sync"), (middle, "Nightly sync, 1% of rows edited")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("contact rows")
        axis.set_ylabel("HTTP requests")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    for scenario, style in (("first sync", "o-"), ("nothing new", "s-")):
        pts = sorted(
            (r["rows"], r["cpu_s"]) for r in results["planner"] if r["scenario"] == scenario
        )
        right.plot(*zip(*pts, strict=True), style, label=f"after, {scenario}")
        if before:
            old = sorted((b["rows"], b["cpu_s"]) for b in before if b["scenario"] == scenario)
            right.plot(
                *zip(*old, strict=True),
                style.replace("-", ":"),
                alpha=0.5,
                label=f"before, {scenario}",
            )
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("contact rows (Log tab 3× as long)")
    right.set_ylabel("CPU seconds")
    right.set_title("Planner alone (parse + plan + diff)")
    right.grid(True, which="both", alpha=0.3)
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write(results: dict[str, Any], out: Path) -> None:
    before_path = ROOT / "bench" / "planner_before.json"
    before = json.loads(before_path.read_text()) if before_path.exists() else None
    rows = sync_rows(results)
    plot(results, rows, before, out / "benchmarks.png")
    template = (ROOT / "bench" / "benchmarks.md.in").read_text()
    m = results["machine"]
    xlsx_before_path = ROOT / "bench" / "xlsx_before.json"
    xlsx_before = json.loads(xlsx_before_path.read_text()) if xlsx_before_path.exists() else None
    text = template.format(
        machine=(
            f"{m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']}, "
            f"Python {m['python']}, pandas {m['pandas']}"
            + (f", {m['libraries']}" if m.get("libraries") else "")
        ),
        google_table=google_table(results),
        xlsx_table=xlsx_table(results, xlsx_before),
        xlsx_targets=xlsx_targets(results),
        xlsx_runs=results.get("xlsx_runs", "-"),
        sizes=",".join(map(str, results["sizes"])),
        e2e_sizes=",".join(map(str, results["e2e_sizes"])),
        cap=f"{results['cap']:,}",
        latency=LATENCY_S,
        quota=QUOTA_PER_MINUTE,
        sync_table=sync_table(rows),
        ratio_table=ratio_table(rows),
        targets=targets(rows),
        planner_table=planner_table(results, before),
        planner_targets=planner_targets(results),
    )
    (out / "benchmarks.md").write_text(text)


if __name__ == "__main__":
    data = json.loads((ROOT / "bench" / "results.json").read_text())
    write(data, ROOT / "docs")
