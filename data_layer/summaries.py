"""Summary tables that pages read instead of scanning building_month (see ../shared/PERF_NOTES.md:
district × month answers in under a millisecond where the raw aggregation takes seconds at province scale).

Every write to building_month calls `refresh_district_month` in the same transaction, for the months it touched,
and `bump_data_version`, so cached page data is refreshed on the next rerun.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, bindparam, text

_SUMMARY_SELECT = """
SELECT b.district_code, m.month,
       COUNT(*), SUM(m.occupied_area_m2), SUM(m.leasable_area_m2),
       SUM(m.enterprises_operating), SUM(m.enterprises_registered),
       SUM(m.tax_10k), SUM(m.employees), SUM(m.new_enterprises)
FROM building_month m JOIN building b ON b.id = m.building_id
"""
_INSERT_COLUMNS = (
    "INSERT INTO district_month (district_code, month, buildings_reporting, occupied_area_m2, leasable_area_m2,"
    " enterprises_operating, enterprises_registered, tax_10k, employees, new_enterprises) "
)


def refresh_district_month(conn: Connection, months: Iterable[date] | None = None) -> None:
    """Recompute district_month for `months` (all months when None) from building_month."""
    if months is None:
        conn.execute(text("DELETE FROM district_month"))
        conn.execute(text(_INSERT_COLUMNS + _SUMMARY_SELECT + " GROUP BY b.district_code, m.month"))
        return
    month_list = sorted(set(months))
    if not month_list:
        return
    param = bindparam("months", expanding=True)
    conn.execute(text("DELETE FROM district_month WHERE month IN :months").bindparams(param), {"months": month_list})
    conn.execute(
        text(_INSERT_COLUMNS + _SUMMARY_SELECT + " WHERE m.month IN :months GROUP BY b.district_code, m.month")
        .bindparams(param),
        {"months": month_list},
    )


def bump_data_version(conn: Connection) -> str:
    """Record that the data changed; cached queries take the version as a key."""
    version = uuid.uuid4().hex
    updated = conn.execute(text("UPDATE store_meta SET value = :v WHERE key = 'data_version'"), {"v": version})
    if updated.rowcount == 0:
        conn.execute(text("INSERT INTO store_meta (key, value) VALUES ('data_version', :v)"), {"v": version})
    return version
