"""数据管理: import (check, preview, then one all-or-nothing write), import history and undo, templates, export of
any table, backup and restore. Imports, undo and (data-only) backups are editor actions; restore is an admin's."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import streamlit as st

from data_layer import backup as backups
from data_layer import cached, users
from data_layer.auth import has_role
from data_layer.cached import imports as cached_imports
from data_layer.cached import map as cached_map
from data_layer.i18n import translate
from data_layer.imports import ALL_KINDS, Options, StoreBusy, check_upload, parse, prepare, run_import, undo_batch
from data_layer.imports.geo import CRS_CODES
from data_layer.imports.pipeline import Outcome
from data_layer.imports.table_export import PERSONAL, XLSX_MAX_ROWS, export_bytes, exportable_for
from data_layer.imports.templates import template_bytes
from data_layer.settings import get_settings
from ui.auth import current_user, download_data, require_role, shows_names, store_engine
from ui.completeness_view import render_completeness
from ui.first_day import guide_wanted, render_guide
from ui.imports_view import (
    counts_table,
    findings_table,
    history_table,
    kind_label,
    preview_table,
    table_label,
    template_columns,
)
from ui.shell import current_lang, keep_lang_in_url, md, t

lang = current_lang()  # option labels use this, not t(): format_func may run outside the script run
keep_lang_in_url(lang)
settings = get_settings()
engine = store_engine()
if engine is None:
    st.error(t("store.missing"))
    st.stop()
url = settings.database_url
version = cached.data_version(url)
SECTIONS = ("import", "history", "templates", "export", "backup", "completeness")
KIND_OF_TABLE = {"street": "streets", "building": "buildings", "building_month": "monthly", "city_month": "city",
                 "plan": "plans", "plan_target": "plans"}  # a workbook previews each table with its own columns
UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "geojson", "json"]

st.title(t("imports.title"))
st.caption(t("imports.caption"))
if (flash := st.session_state.pop("imports_flash", None)) is not None:
    (st.success if flash[0] else st.error)(flash[1])
section = st.segmented_control(t("imports.section"), SECTIONS, default="import", required=True, key="admin_section",
                               format_func=lambda s: translate(f"imports.section.{s}", lang))


def show_outcome(outcome: Outcome) -> None:
    districts = cached.districts(url, version)
    streets = cached_map.streets(url, version)
    lookups = {"district_code": dict(zip(districts["code"], districts["name_zh" if lang == "zh" else "name_en"],
                                         strict=True)),
               "street_id": dict(zip(streets["id"], streets["name_zh" if lang == "zh" else "name_en"], strict=True))}
    if outcome.findings.notes:
        with st.expander(t("imports.notes", count=len(outcome.findings.notes))):
            st.dataframe(findings_table(outcome.findings.notes, lang, note=True), hide_index=True, width="stretch")
    if not outcome.ok:
        st.error(t("imports.rejected", count=outcome.findings.error_count))
        st.dataframe(findings_table(outcome.findings.problems, lang), hide_index=True, width="stretch",
                     key="import_problems")
        if outcome.findings.unlisted:
            st.caption(t("imports.unlisted", count=outcome.findings.unlisted))
        return
    if outcome.nothing_to_do:
        st.info(t("imports.nothing"))
        return
    st.success(t("imports.checked"))
    st.dataframe(counts_table(outcome, lang), hide_index=True)
    for table, change in outcome.changes.items():
        preview = preview_table(change, KIND_OF_TABLE.get(table, outcome.kind), lang, lookups=lookups)
        if not preview.empty:
            st.caption(f"{table_label(table, lang)} · {t('imports.preview', limit=len(preview))}")
            st.dataframe(preview, hide_index=True, width="stretch", key=f"preview_{table}")


def import_section() -> None:
    user = require_role("editor")
    kind = st.selectbox(t("imports.kind"), ALL_KINDS, format_func=lambda k: kind_label(k, lang), key="import_kind")
    crs = st.session_state.get("import_crs")  # asked below, once a file turns out to need it
    upload = st.file_uploader(t("imports.upload", limit=settings.import_max_mb), type=UPLOAD_TYPES,
                              max_upload_size=settings.import_max_mb, key="import_file")
    if upload is None:
        return
    if st.session_state.get("import_crs_file") != upload.file_id:  # a CRS chosen for one file is not the next's
        st.session_state.pop("import_crs", None)
        st.session_state["import_crs_file"] = upload.file_id
        crs = None
    data = upload.getvalue()
    refused = check_upload(upload.name, len(data))
    if refused is not None:
        st.error(t("imports.refused", reason=md(f"imports.problem.{refused[0]}", **refused[1])))
        return
    account = users.get_user(engine, username=user.username)  # the scope as stored now, not as at sign-in
    scope = account.scope if account is not None else None
    if scope is not None:
        st.caption(t("imports.scope", districts="、".join(sorted(scope))))
    options = Options(crs=crs, districts=scope)
    key = (upload.file_id, kind, crs, version, scope)
    if st.session_state.get("import_key") != key:
        with st.spinner():
            parsed = parse(kind, upload.name, data, options)
            st.session_state["import_parsed"] = parsed
            st.session_state["import_preview"] = prepare(engine, kind=kind, file_name=upload.name, data=data,
                                                         options=options, parsed=parsed)
            st.session_state["import_key"] = key
    outcome = st.session_state["import_preview"]
    if crs is not None or any(p.code == "crs_missing" for p in outcome.findings.problems):
        # Never guessed: the same numbers are ~500 m apart in GCJ-02 and WGS-84, ~1 km more in BD-09.
        st.radio(t("imports.crs.ask"), CRS_CODES, index=None, key="import_crs", horizontal=False,
                 captions=[t(f"imports.crs.where.{c}") for c in CRS_CODES])
    show_outcome(outcome)
    if outcome.ok and not outcome.nothing_to_do and st.button(t("imports.commit"), type="primary", key="import_commit"):
        try:
            with st.spinner():
                done = run_import(engine, kind=kind, file_name=upload.name, data=data, user=user.username,
                                  options=options, parsed=st.session_state["import_parsed"])
        except StoreBusy:
            st.error(t("imports.busy"))
            return
        if done.committed:
            st.session_state["imports_flash"] = (True, t("imports.done", batch=done.batch_id, **done.totals()))
            st.rerun()
        st.session_state["import_preview"] = done  # the store changed since the preview: show why now
        st.rerun()


def history_section() -> None:
    frame = cached_imports.history(url, version)
    if frame.empty:
        st.info(t("imports.history.empty"))
        return
    user = current_user()
    editor = user is not None and has_role(user.role, "editor")
    st.dataframe(history_table(frame, lang, personal=editor), hide_index=True, width="stretch", key="history_table")
    if not editor:
        st.caption(t("imports.undo.viewer"))
        return
    undoable = frame[frame["undone_at"].isna() & (frame["kind"] != "demo")]
    if undoable.empty:
        st.caption(t("imports.undo.none"))
        return
    names = dict(zip(undoable["id"], undoable["file_name"], strict=True))
    batch = st.selectbox(t("imports.undo.pick"), list(names), format_func=lambda b: f"{b} · {names[b]}",
                         key="undo_batch")
    confirm = st.checkbox(t("imports.undo.confirm"), key="undo_confirm")
    if st.button(t("imports.undo.button"), disabled=not confirm, key="undo_button"):
        editor = require_role("editor")
        try:
            result = undo_batch(engine, batch_id=int(batch), user=editor.username)
        except StoreBusy:
            st.error(t("imports.busy"))
            return
        st.session_state["imports_flash"] = (result.ok, result.message(lang))
        st.rerun()


def templates_section() -> None:
    st.caption(t("imports.templates.caption"))
    kind = st.selectbox(t("imports.kind"), ALL_KINDS, format_func=lambda k: kind_label(k, lang), key="template_kind")
    # Every download on this page is on_click="ignore": a download changes nothing, and a rerun started by the click
    # raced the file's own request (the button stayed disabled, spinning, in one CI run).
    if kind == "boundaries":
        st.download_button(t("imports.templates.geojson"), template_bytes(kind, "geojson", settings.today),
                           file_name="boundaries.geojson", mime="application/geo+json", key="template_geojson",
                           on_click="ignore")
        return
    left, right = st.columns(2)
    left.download_button(t("imports.templates.xlsx"), lambda: template_bytes(kind, "xlsx", settings.today),
                         file_name=f"{kind}.xlsx", key="template_xlsx", on_click="ignore")
    if kind != "workbook":
        right.download_button(t("imports.templates.csv"), lambda: template_bytes(kind, "csv", settings.today),
                              file_name=f"{kind}.csv", mime="text/csv", key="template_csv",
                              on_click="ignore")
        st.caption(t("imports.templates.columns"))
        st.dataframe(template_columns(kind, lang), hide_index=True, width="stretch")


def export_section() -> None:
    user = current_user()
    editor = user is not None and has_role(user.role, "editor")
    if not editor:  # tables naming people (import history, audit log, label corrections) are for editors
        names = ("、" if lang == "zh" else ", ").join(table_label(n, lang) for n in sorted(PERSONAL))
        st.caption(t("imports.export.personal", tables=names))
    table = st.selectbox(t("imports.export.table"), exportable_for(shows_names()), key="export_table",
                         format_func=lambda name: f"{table_label(name, lang)} ({name})")
    if table in PERSONAL:
        require_role("editor")  # also when the choice came from an earlier, signed-in run of this session
    fmt = st.segmented_control(t("imports.export.format"), ["xlsx", "csv"], default="xlsx", required=True,
                               key="export_format", format_func=str.upper)
    rows = cached_imports.row_count(url, version, table)
    st.caption(t("imports.export.rows", count=f"{rows:,}"))
    too_many = fmt == "xlsx" and rows > XLSX_MAX_ROWS
    if too_many:
        st.warning(t("imports.export.too_many"))
    if table == "enterprise" and not editor:
        st.caption(t("imports.export.confidential"))
    # the enterprise table's tax follows the role (tables.py): the role held when the button is clicked
    data = download_data(lambda role: export_bytes(engine, table, fmt, role=role),
                         needed="editor" if table in PERSONAL else None)
    st.download_button(t("imports.export.download"), data, disabled=too_many, key="export_download",
                       file_name=f"{table}-{datetime.now():%Y%m%d-%H%M}.{fmt}", on_click="ignore")


def backup_section() -> None:
    """Editors download the data tables; only an admin restores, and a restore replaces the data tables only."""
    require_role("editor")
    if engine.dialect.name != "sqlite":
        st.info(t("imports.backup.postgres"))
        # The command line reads the password from DATABASE_URL; pg_dump/pg_restore get it in their environment.
        st.code("python -m data_layer backup --data-only dashboard.dump   # what an editor may hold\n"
                "python -m data_layer backup dashboard-full.dump          # accounts included (operators)\n"
                "python -m data_layer restore dashboard.dump              # data tables only; --full replaces accounts",
                language="bash")
        return
    st.caption(t("imports.backup.caption"))
    backup = download_data(lambda _role: backups.backup_bytes(engine), needed="editor")  # checked again on click
    st.download_button(t("imports.backup.download"), backup, key="backup_download",
                       file_name=f"dashboard-{datetime.now():%Y%m%d-%H%M}.db", mime="application/octet-stream",
                       on_click="ignore")
    st.subheader(t("imports.backup.restore"))
    st.caption(t("imports.backup.restore_admin_only"))
    admin = require_role("admin")
    limit = backups.restore_upload_limit_mb()
    upload = st.file_uploader(t("imports.backup.upload", limit=limit), type=["db", "sqlite", "sqlite3", "bak"],
                              max_upload_size=limit, key="restore_file")
    if upload is not None:
        try:
            backups.check_restore_upload(upload.size)  # before the bytes are read into memory and onto disk
        except backups.BackupError as error:
            st.error(t(f"imports.backup.bad.{error.code}", **error.params))
            return
    confirm = st.checkbox(t("imports.backup.confirm"), key="restore_confirm")
    if upload is not None and st.button(t("imports.backup.restore_button"), disabled=not confirm, key="restore_button"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload.db"
            path.write_bytes(upload.getvalue())
            try:
                result = backups.restore(engine, path, user=admin.username)
            except backups.BackupError as error:
                st.error(t(f"imports.backup.bad.{error.code}", **error.params))
                return
        st.session_state["imports_flash"] = (True, t("imports.backup.restored", tables=result.tables))
        st.rerun()



def guide_section() -> None:
    """Below the upload: what is loaded and the next file (while the store is empty or partly loaded)."""
    loaded = cached_imports.loaded(url, version)
    if guide_wanted(loaded):
        st.divider()
        render_guide(loaded, t, today=settings.today, key="admin_guide",
                     unplaced=cached_imports.unplaced(url, version))


{"import": import_section, "history": history_section, "templates": templates_section, "export": export_section,
 "backup": backup_section,
 # issue 18: who has reported this month and quarter (ui/completeness_view.py)
 "completeness": lambda: render_completeness(url=url, version=version, lang=lang)}[section]()
if section == "import":
    guide_section()
