"""Hypothesis profiles for the reliability suite.

`HYPOTHESIS_PROFILE=ci` makes every run draw the same examples (derandomize), so a CI
failure reproduces locally; `thorough` draws ten times as many for a manual soak.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("default", max_examples=60, **_COMMON)  # type: ignore[arg-type]
settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    database=None,
    **_COMMON,  # type: ignore[arg-type]
)
settings.register_profile("thorough", max_examples=600, **_COMMON)  # type: ignore[arg-type]
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
