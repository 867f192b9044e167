"""The reporting period chosen on the scorecard page (?start=YYYY-MM-DD&end=YYYY-MM-DD)."""
from __future__ import annotations

import datetime as dt
import time
from typing import Mapping

VIETNAM = dt.timezone(dt.timedelta(hours=7))
MAX_DAYS = 732  # two years: enough for any report, small enough to stay quick


def today(now: float | None = None) -> dt.date:
    return dt.datetime.fromtimestamp(time.time() if now is None else now, VIETNAM).date()


def current_month(now: float | None = None) -> tuple[dt.date, dt.date]:
    """From the 1st of this month (Vietnam time) to today."""
    day = today(now)
    return day.replace(day=1), day


def parse(query: Mapping[str, str], now: float | None = None) -> tuple[dt.date, dt.date, bool]:
    """(start, end, ok). Missing values default to the current month; an unreadable, reversed or
    too long range gives the current month and ok=False."""
    default = current_month(now)
    raw_start, raw_end = query.get("start", "").strip(), query.get("end", "").strip()
    if not raw_start and not raw_end:
        return default[0], default[1], True
    try:
        start = dt.date.fromisoformat(raw_start) if raw_start else default[0]
        end = dt.date.fromisoformat(raw_end) if raw_end else default[1]
    except ValueError:
        return default[0], default[1], False
    if start > end or (end - start).days >= MAX_DAYS:
        return default[0], default[1], False
    return start, end, True
