"""Reporting periods: a month, a quarter, the year to date, or a whole year. Months are first-of-month dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PERIOD_KINDS = ("month", "quarter", "ytd", "year")


def month_start(value: date) -> date:
    return value.replace(day=1)


def add_months(value: date, months: int) -> date:
    index = value.year * 12 + value.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(value: date) -> date:
    """The last day of `value`'s month: the day the figures of a data month are "as of"."""
    return add_months(month_start(value), 1) - timedelta(days=1)


def month_range(start: date, end: date) -> list[date]:
    """Every month from start to end inclusive."""
    months, current = [], month_start(start)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def last_full_month(today: date) -> date:
    """The last month that has ended before `today` (statistics for a month arrive after it closes)."""
    return add_months(month_start(today), -1)


@dataclass(frozen=True)
class Period:
    """kind: month | quarter | ytd | year. `number` is the month (month, ytd) or the quarter (quarter)."""

    kind: str
    year: int
    number: int = 12

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        limit = 4 if self.kind == "quarter" else 12
        if not 1 <= self.number <= limit:
            raise ValueError(f"period number {self.number} out of range for {self.kind}")

    @property
    def start(self) -> date:
        if self.kind == "month":
            return date(self.year, self.number, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """First day of the period's last month (stock measures such as occupancy are read there)."""
        if self.kind == "quarter":
            return date(self.year, 3 * self.number, 1)
        if self.kind == "year":
            return date(self.year, 12, 1)
        return date(self.year, self.number, 1)

    @property
    def months(self) -> list[date]:
        return month_range(self.start, self.end)

    def last_year(self) -> "Period":
        return Period(self.kind, self.year - 1, self.number)

    def label(self, lang: str) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.number}月" if lang == "zh" else f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度" if lang == "zh" else f"{self.year} Q{self.number}"
        if self.kind == "ytd":
            return f"{self.year}年1-{self.number}月" if lang == "zh" else f"{self.year} Jan-{date(2000, self.number, 1):%b}"
        return f"{self.year}年" if lang == "zh" else str(self.year)
