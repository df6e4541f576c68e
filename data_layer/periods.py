"""Reporting periods: a month, a quarter, the year to date, or a whole year. Months are first-of-month dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PERIOD_KINDS = ("month", "quarter", "ytd", "year")  # what the period pickers offer
# and the quarter to date (`number` is its last month): the review pack's running quarter, compared month for month
# with the same months of the quarter before and of last year. No picker offers it (see `offered_years`).
_KINDS = (*PERIOD_KINDS, "qtd")


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


def offered_years(kind: str, first_month: date, last_month: date) -> list[int]:
    """The years a period picker offers for `kind`, latest first: those with a complete period of that kind in
    the data (first_month .. last_month). The one rule of every picker (overview, map, other pages): a quarter or a
    year is offered once its last month has data, never while it runs, because its stock figures (occupancy,
    vacant ㎡) are read at its last month and its output per ㎡ is annualised over its months: a running quarter
    would show blanks and a third of its output. The running part of a year is the year to date."""
    last_year = last_month.year
    if (kind == "year" and last_month.month < 12) or (kind == "quarter" and last_month.month < 3):
        last_year -= 1
    return list(range(last_year, first_month.year - 1, -1)) or [last_month.year]


def offered_numbers(kind: str, year: int, last_month: date) -> list[int]:
    """The months (month, ytd) or quarters a picker offers in `year`: those whose last month has data (see
    `offered_years`); a year has one number, 12."""
    last = last_month.month if year == last_month.year else 12
    if kind == "quarter":
        return list(range(1, last // 3 + 1)) or [1]
    if kind == "year":
        return [12]
    return list(range(1, last + 1))


@dataclass(frozen=True)
class Period:
    """kind: month | quarter | ytd | year. `number` is the month (month, ytd) or the quarter (quarter)."""

    kind: str
    year: int
    number: int = 12

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
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
        if self.kind == "qtd":
            return date(self.year, 3 * ((self.number - 1) // 3) + 1, 1)
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

    def quarter_before(self) -> "Period":
        """The quarter before a quarter; for a quarter to date, the same months of the quarter before."""
        if self.kind not in ("quarter", "qtd"):
            raise ValueError(f"no quarter before a {self.kind} period")
        if self.kind == "quarter":
            return Period("quarter", self.year - 1, 4) if self.number == 1 else Period("quarter", self.year,
                                                                                       self.number - 1)
        before = add_months(self.end, -3)
        return Period("qtd", before.year, before.month)

    def label(self, lang: str) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.number}月" if lang == "zh" else f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度" if lang == "zh" else f"{self.year} Q{self.number}"
        if self.kind == "qtd":
            quarter = (self.number - 1) // 3 + 1
            return (f"{self.year}年第{quarter}季度（{self.start.month}-{self.number}月）" if lang == "zh"
                    else f"{self.year} Q{quarter} ({self.start:%b}-{self.end:%b})")
        if self.kind == "ytd":
            return f"{self.year}年1-{self.number}月" if lang == "zh" else f"{self.year} Jan-{date(2000, self.number, 1):%b}"
        return f"{self.year}年" if lang == "zh" else str(self.year)
