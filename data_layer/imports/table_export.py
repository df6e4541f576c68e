"""Any table of the store as a download (XLSX or CSV through data_layer/export.py, so text that a spreadsheet
would run as a formula is escaped). Tables holding password hashes, login attempts or kiosk token hashes are not
exportable; tables naming the people who did things (PERSONAL) are exportable by editors only."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, Table, func, select
from sqlmodel import SQLModel

from data_layer.auth import tax_access
from data_layer.enterprises import redact, tax_band
from data_layer.export import to_csv_bytes, to_xlsx_bytes
from data_layer.models import DOMAIN_TABLES, AuditLog, ImportBatch, table_of

_MODELS: tuple[type[SQLModel], ...] = (*DOMAIN_TABLES, ImportBatch, AuditLog)
EXPORTABLE: dict[str, Table] = {table_of(m).name: table_of(m) for m in _MODELS}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
# Tables with user names: who imported (import_batch.user_name), who did what (audit_log.user_name), who
# corrected a sentiment label (feedback.corrected_by). Who-did-what is not for every visitor of an intranet page.
PERSONAL: frozenset[str] = frozenset({"import_batch", "audit_log", "feedback"})


def exportable_for(names: bool) -> list[str]:
    """The tables a user may export: every exportable one for a user who sees names (data_layer.auth.sees_names:
    editors and admins), the ones without user names otherwise."""
    return [name for name in EXPORTABLE if names or name not in PERSONAL]


class TooManyRows(ValueError):
    """The table does not fit in one Excel sheet."""


def row_count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        statement = select(func.count()).select_from(EXPORTABLE[table])
        return int(conn.execute(statement).scalar() or 0)


def table_frame(engine: Engine, table: str) -> pd.DataFrame:
    """Every row of an exportable table in primary-key order."""
    model = EXPORTABLE[table]
    statement = select(model).order_by(*model.primary_key.columns)
    with engine.connect() as conn:
        result = conn.execute(statement)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def export_bytes(engine: Engine, table: str, fmt: str, *, role: str | None = None, kiosk: bool = False) -> bytes:
    """fmt: csv or xlsx. XLSX refuses tables over Excel's row limit (TooManyRows). `role` is the exporting
    user's (None, the default: not signed in; the command line passes "admin"): the enterprise table's tax goes
    out as the role may see it (data_layer.auth.tax_access: the value for editors, a band for viewers, nothing
    otherwise), so a caller that forgets the role gets no tax."""
    if table not in EXPORTABLE:
        raise KeyError(table)
    if fmt == "xlsx" and row_count(engine, table) > XLSX_MAX_ROWS:
        raise TooManyRows(table)
    frame = table_frame(engine, table)
    if table == "enterprise":
        frame = redact(frame.assign(tax_band=tax_band(frame["tax_10k"])), tax_access(role, kiosk=kiosk))
    for column in frame.columns:  # Excel cannot hold time zones; keep the wall-clock UTC value
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_localize(None)
    return to_csv_bytes(frame) if fmt == "csv" else to_xlsx_bytes(frame, sheet_name=table)
