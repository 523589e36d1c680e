"""Aging buckets: the as-of day, Config Aging Buckets, and which bucket a days-past-due is in.

workbook-spec.md: days past due = as-of − Due Date; ≤ 0 → Current, then 1-30, 31-60, 61-90,
91-120, 120+ with the default Config Aging Buckets "30,60,90,120" (each number closes a bucket;
the last bucket is open-ended).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from itertools import pairwise

import numpy as np

from engine.issues import Issue
from engine.money import Int64Array
from engine.parsing import period_bounds
from engine.rules import rule

DEFAULT_BUCKETS: tuple[int, ...] = (30, 60, 90, 120)
CURRENT = "Current"


def as_of_date(period: str) -> date:
    """The as-of day of a "YYYY-MM" Period: its last day."""
    return period_bounds(period)[1]


def parse_buckets(text: str) -> tuple[int, ...] | None:
    """Config Aging Buckets ("30,60,90,120"; ";" or spaces also separate) as increasing whole
    numbers of days; blank gives the default, anything else None."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not parts:
        return DEFAULT_BUCKETS
    if not all(p.isdigit() for p in parts):
        return None
    days = tuple(int(p) for p in parts)
    increasing = all(a < b for a, b in pairwise(days))
    return days if days[0] > 0 and increasing else None


BUCKETS_HINT = ("use increasing whole numbers of days such as 30,60,90,120",
                "use números inteiros de dias em ordem crescente, como 30,60,90,120")


def config_buckets(config: Mapping[str, str], cells: Mapping[str, str], locale: str = "en",
                   sheet: str = "Config") -> tuple[tuple[int, ...], list[Issue]]:
    """Config Aging Buckets (normalised key "agingbuckets"): the buckets, or the default and a
    config.value error at the cell when the value cannot be read."""
    text = config.get("agingbuckets", "")
    buckets = parse_buckets(text)
    if buckets is not None:
        return buckets, []
    cell = cells.get("agingbuckets", "")
    row = int("".join(ch for ch in cell if ch.isdigit()) or 0) or None
    the_rule = rule("config.value")
    message = the_rule.message(locale, column="Aging Buckets", value=text,
                               detail=BUCKETS_HINT[locale == "pt-BR"])
    return DEFAULT_BUCKETS, [Issue(sheet, cell, row, "Aging Buckets", the_rule.id, the_rule.severity,
                                   message, text)]


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
