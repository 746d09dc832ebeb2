"""The planner decides exactly what the saved golden plans say (see golden_plans.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from golden_plans import DIGEST_ONLY, case_input, case_names, digests, expected, run_case


def _first_difference(want: Any, got: Any, where: str) -> str:
    """Where two JSON values first differ, said briefly."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(want.keys() | got.keys()):
            if want.get(key) != got.get(key):
                return _first_difference(want.get(key), got.get(key), f"{where}/{key}")
    if isinstance(want, list) and isinstance(got, list):
        for i, (a, b) in enumerate(zip(want, got, strict=False)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
        if len(want) != len(got):
            return f"{where}: {len(want)} items saved, {len(got)} now"
    return f"{where}: saved {json.dumps(want)[:300]}, now {json.dumps(got)[:300]}"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=[pytest.mark.slow] if name in DIGEST_ONLY else [])
        for name in case_names()
    ],
)
def test_plans_match_the_golden_plans(name: str) -> None:
    tabs, day = case_input(name)
    got = json.loads(json.dumps(run_case(tabs, day)))
    want = expected(name)
    if name in DIGEST_ONLY:
        now = digests(got)
        differ = sorted(k for k in want.keys() | now.keys() if want.get(k) != now.get(k))
        assert not differ, f"parts that differ from the golden plan: {differ}"
    else:
        if got != want:
            pytest.fail(_first_difference(want, got, name))
