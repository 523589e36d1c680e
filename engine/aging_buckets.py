"""Aging buckets: the as-of day, Config Aging Buckets, and which bucket a days-past-due is in.

workbook-spec.md: days past due = as-of − Due Date; ≤ 0 → Current, then 1-30, 31-60, 61-90,
91-120, 120+ with the default Config Aging Buckets "30,60,90,120" (each number closes a bucket;
the last bucket is open-ended).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from pydantic import TypeAdapter, ValidationError

from engine.money import Int64Array
from engine.parsing import period_bounds
from engine.settings import AgingBuckets

DEFAULT_BUCKETS: tuple[int, ...] = (30, 60, 90, 120)
CURRENT = "Current"
_BUCKETS: TypeAdapter[tuple[int, ...]] = TypeAdapter(AgingBuckets)


def as_of_date(period: str) -> date:
    """The as-of day of a "YYYY-MM" Period: its last day (Settings.period.last_day)."""
    return period_bounds(period)[1]


def parse_buckets(text: str) -> tuple[int, ...] | None:
    """Bucket limits typed as Config Aging Buckets are ("30,60,90,120"; ";" or spaces also
    separate; blank: the default), read by engine.settings' own rule; None when not valid.
    (The Config value itself arrives checked as Settings.aging_buckets; this serves the formula
    functions' `buckets` argument.)"""
    if not text.strip():
        return DEFAULT_BUCKETS
    try:
        return _BUCKETS.validate_python(text)
    except ValidationError:
        return None


def bucket_labels(buckets: tuple[int, ...] = DEFAULT_BUCKETS) -> tuple[str, ...]:
    """("Current", "1-30", "31-60", "61-90", "91-120", "120+") for the default buckets."""
    labels, low = [CURRENT], 1
    for high in buckets:
        labels.append(f"{low}-{high}")
        low = high + 1
    return (*labels, f"{buckets[-1]}+")


def bucket_index(days: Int64Array, buckets: tuple[int, ...] = DEFAULT_BUCKETS) -> Int64Array:
    """Each days-past-due's column in bucket_labels: 0 (Current) for ≤ 0, then 1, 2..."""
    found = np.searchsorted(np.asarray(buckets, dtype=np.int64), days, side="left") + 1
    return np.where(days <= 0, 0, found).astype(np.int64)


def bucket_of(days: int, buckets: tuple[int, ...] = DEFAULT_BUCKETS) -> str:
    """The bucket label of one days-past-due figure (30 → "1-30", 31 → "31-60")."""
    return bucket_labels(buckets)[int(bucket_index(np.array([days], dtype=np.int64), buckets)[0])]
