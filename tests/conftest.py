"""Hypothesis profiles, chosen with the HYPOTHESIS_PROFILE environment variable.

- ``ci`` (the default when CI is set): derandomized, so every run draws the same examples.
- ``dev`` (the default otherwise): random draws, a moderate number of examples.
- ``thorough``: many more examples, for hunting bugs locally.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
