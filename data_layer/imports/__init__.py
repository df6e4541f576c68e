"""The importer for Excel and CSV files (and GeoJSON boundaries): one code path for the 数据管理 page and the
command line.

    outcome = run_import(engine, kind="monthly", file_name="3月.xlsx", data=raw, user="li", dry_run=True)
    outcome.ok, outcome.changes["building_month"].counts, problems.frame(outcome.findings.problems, "zh")

Kinds: buildings, monthly (building_month), city (city_month), plans (plan + plan_target), feedback, demands,
boundaries (GeoJSON), and workbook (each sheet matched to the kind its headers show)."""

from data_layer.imports.fields import ALL_KINDS, KINDS, resolve_kind
from data_layer.imports.pipeline import (
                                         Options,
                                         Outcome,
                                         StoreBusy,
                                         check_upload,
                                         parse,
                                         prepare,
                                         run_import,
                                         write_transaction,
)
from data_layer.imports.problems import Findings, Problem, frame
from data_layer.imports.undo import UndoOutcome, history, undo_batch

__all__ = ["ALL_KINDS", "KINDS", "Findings", "Options", "Outcome", "Problem", "StoreBusy", "UndoOutcome",
           "check_upload", "frame", "history", "parse", "prepare", "resolve_kind", "run_import", "undo_batch",
           "write_transaction"]
