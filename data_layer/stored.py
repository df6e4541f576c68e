"""Results kept in the store per data version (issue 22: flat cold cost at a province's scale).

The pages' expensive reads (the map's period frame and points, the early warnings, the goals page's movers and
drivers, the observation page's feedback statistics) grow with the data: 0.3-1.9 s each at 50,000 buildings × 120
months. Their results depend only on the store's data, the arguments and the code, so each is computed once per
data version and written to `stored_result`; a cache miss in any process (after a restart, in another replica,
after the in-memory entry expired) reads the row back, which costs about what the result's size costs, not what
the data's size costs. The background warmer (ui/warm.py) computes the default views' results right after an
import, so no visitor computes them at all.

- **Keys.** A row is found by (name, sha256 of the arguments, the code fingerprint and the settings) and used only
  when its data version is the store's current one: any write (import, undo, restore, plan edit) bumps the version,
  so an older row is never read. The code fingerprint (every source file of data_layer/) keeps a deploy of changed
  rules from reading results the previous program wrote for the same data; the settings in the key keep a changed
  threshold (restarted with a new DASHBOARD_WARN_*) from reading results computed under the old one.
- **Exact or not at all.** A result is stored only if decoding its bytes gives back an equal result (values,
  dtypes, columns, index); anything else (a type no codec knows, a column pyarrow cannot hold) is simply not stored
  and is computed as before.
- **Safe to read.** Payloads are Arrow IPC streams and JSON, never pickles: a doctored row can at worst show wrong
  figures, and rows never travel in a backup: `backup` leaves the table empty and every restore empties it.
- **Bounded.** Writing a row deletes every row of another data version or code; at most MAX_ROWS rows per version.
- **Never in the way.** A store that cannot be written (read-only user, a locked SQLite file: waits at most
  WRITE_WAIT_MS) or a row that cannot be read is logged and the result is computed as if nothing were stored.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import Engine, text

from data_layer.db import SQLITE_BUSY_MS

log = logging.getLogger(__name__)
MAX_ROWS = 256  # per data version: the default views need ~25; the rest are visitors' filters and periods
WRITE_WAIT_MS = 1000  # how long a write waits for a locked store before giving up (the page never waits longer)
_DATA_LAYER = Path(__file__).resolve().parent


@functools.cache
def code_fingerprint() -> str:
    """sha256 over every source file of data_layer/ and every string table (path and bytes): changes with any rule,
    query or wording (a stored warning list or table page holds translated text)."""
    from data_layer.i18n import TABLE_DIR

    digest = hashlib.sha256()
    for root, pattern in ((_DATA_LAYER, "*.py"), (TABLE_DIR, "*.json")):
        for path in sorted(root.rglob(pattern)):
            digest.update(str(path.relative_to(root.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def key_hash(args: tuple[Any, ...]) -> str:
    """The arguments (dates, numbers, text, tuples, frozen dataclasses of those), the code fingerprint and the
    settings as one stable hash."""
    return hashlib.sha256((repr(_canonical(args)) + code_fingerprint() + settings_fingerprint()).encode()).hexdigest()


# Settings that cannot change a result (where the store is, how often to poll it): left out of the key, so two
# replicas with different data folders share their rows.
_SETTINGS_NOT_IN_KEY = frozenset({"database_url", "data_dir", "cache_ttl_seconds", "warm_interval_seconds"})


def settings_fingerprint() -> str:
    """Every other setting (thresholds, today's date, the locale...): a rule that reads one inside a function, not
    through its arguments, still never serves a result computed under another value after a restart."""
    from data_layer.settings import get_settings

    settings = get_settings()
    return repr([(f.name, getattr(settings, f.name)) for f in fields(settings) if f.name not in _SETTINGS_NOT_IN_KEY])


def _canonical(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return ("set", sorted(repr(_canonical(v)) for v in value))  # a set's order varies between processes
    if isinstance(value, (tuple, list)):
        return tuple(_canonical(v) for v in value)
    return value


# ------------------------------------------------------------------------------------------------ codecs


@dataclass(frozen=True)
class Codec:
    """How one kind of result becomes bytes and back; `same` decides whether a decoded result equals the original."""

    name: str
    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]
    same: Callable[[Any, Any], bool]


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="lz4")) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _table(payload: bytes) -> pa.Table:
    return pa.ipc.open_stream(payload).read_all()


def _encode_frame(frame: pd.DataFrame, extra: dict | None = None) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=None)  # a RangeIndex as metadata, any other as columns
    meta = dict(table.schema.metadata or {})
    meta[b"stored.attrs"] = json.dumps(frame.attrs, default=str).encode()
    if extra is not None:
        meta[b"stored.extra"] = json.dumps(extra).encode()
    return _ipc(table.replace_schema_metadata(meta))


def _decode_frame(payload: bytes) -> pd.DataFrame:
    table = _table(payload)
    frame = table.to_pandas()
    # text kept in object columns comes back as pandas' str dtype: give those columns their object dtype back
    for column in (table.schema.pandas_metadata or {}).get("columns", []):
        name = column.get("name")
        if column.get("numpy_type") == "object" and name in frame.columns and frame[name].dtype != object:
            frame[name] = frame[name].astype(object)
    frame.attrs = json.loads((table.schema.metadata or {}).get(b"stored.attrs", b"{}"))
    return frame


def _extra(payload: bytes) -> dict:
    return json.loads((_table(payload).schema.metadata or {})[b"stored.extra"])


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Equal values, the same columns in the same order with the same dtypes, the same index and attrs."""
    return (type(a) is type(b) and list(a.columns) == list(b.columns) and list(a.dtypes) == list(b.dtypes)
            and a.index.equals(b.index) and a.index.dtype == b.index.dtype and a.equals(b) and a.attrs == b.attrs)


FRAME = Codec("frame", _encode_frame, _decode_frame,
              lambda a, b: isinstance(a, pd.DataFrame) and same_frame(a, b))


def _encode_table_page(value: tuple[pa.Table, list[int]]) -> bytes:
    table, ids = value
    meta = dict(table.schema.metadata or {})
    meta[b"stored.ids"] = json.dumps([int(i) for i in ids]).encode()
    return _ipc(table.replace_schema_metadata(meta))


def _decode_table_page(payload: bytes) -> tuple[pa.Table, list[int]]:
    table = _table(payload)
    meta = dict(table.schema.metadata or {})
    ids = json.loads(meta.pop(b"stored.ids"))
    return table.replace_schema_metadata(meta), ids


# the map table's page: an Arrow table and the ids of its rows (data_layer.cached.map.table_page)
TABLE_PAGE = Codec("table_page", _encode_table_page, _decode_table_page,
                   lambda a, b: a[0].equals(b[0], check_metadata=True) and list(a[1]) == list(b[1]))


def _lz4(raw: bytes) -> bytes:
    return struct.pack("<Q", len(raw)) + pa.compress(raw, codec="lz4", asbytes=True)


def _unlz4(payload: bytes) -> bytes:
    (size,) = struct.unpack_from("<Q", payload)
    if size > 256 * len(payload):  # lz4 never expands that far: a damaged header, not a 100 GB allocation
        raise ValueError(f"stored payload claims {size} bytes from {len(payload)}")
    return pa.decompress(payload[8:], decompressed_size=size, codec="lz4", asbytes=True)


def map_points_codec() -> Codec:
    """map_payload.MapPoints: its deck.gl JSON texts kept as they are (at 50,000 buildings ~9 MB: inside a JSON
    document they would be escaped and parsed again, 3× slower), the rest as JSON, all lz4-compressed."""
    from data_layer.map_payload import MapPoints

    def encode(value: MapPoints) -> bytes:
        keys = list(value.json)
        texts = [value.json[k].encode() for k in keys]
        head = json.dumps({"keys": keys, "lengths": [len(t) for t in texts], "ids": value.ids, "names": value.names,
                           "origin": value.origin, "draw_order": value.draw_order}).encode()
        return _lz4(struct.pack("<I", len(head)) + head + b"".join(texts))

    def decode(payload: bytes) -> MapPoints:
        raw = _unlz4(payload)
        (size,) = struct.unpack_from("<I", raw)
        head = json.loads(raw[4:4 + size])
        texts, at = {}, 4 + size
        for key, length in zip(head["keys"], head["lengths"], strict=True):
            texts[key] = raw[at:at + length].decode()
            at += length
        return MapPoints(json=texts, ids={k: tuple(v) for k, v in head["ids"].items()},
                         names={k: tuple(v) for k, v in head["names"].items()},
                         origin=tuple(head["origin"]), draw_order=tuple(head["draw_order"]))

    return Codec("map_points", encode, decode, lambda a, b: type(a) is type(b) and a == b)


def drivers_codec() -> Codec:
    """drivers.Drivers: the buildings frame with the scalars and windows beside it."""
    from data_layer.drivers import Drivers, Window

    def encode(value: Drivers) -> bytes:
        return _encode_frame(value.buildings, extra={
            "indicator": value.indicator, "kind": value.kind, "value_now": value.value_now,
            "value_before": value.value_before,
            "current": [value.current.start.isoformat(), value.current.end.isoformat()],
            "base": [value.base.start.isoformat(), value.base.end.isoformat()]})

    def decode(payload: bytes) -> Drivers:
        extra = _extra(payload)
        window = {key: Window(date.fromisoformat(extra[key][0]), date.fromisoformat(extra[key][1]))
                  for key in ("current", "base")}
        return Drivers(indicator=extra["indicator"], kind=extra["kind"], current=window["current"],
                       base=window["base"], value_now=extra["value_now"], value_before=extra["value_before"],
                       buildings=_decode_frame(payload))

    def same(a: Drivers, b: Drivers) -> bool:
        return (type(a) is type(b) and same_frame(a.buildings, b.buildings)
                and all(getattr(a, f.name) == getattr(b, f.name) for f in fields(a) if f.name != "buildings"))

    return Codec("drivers", encode, decode, same)


@functools.cache
def codec(name: str) -> Codec:
    """The codec called `name`: frame, table_page, map_points or drivers (the last two built on first use: their
    modules import this one's callers)."""
    built = {"frame": lambda: FRAME, "table_page": lambda: TABLE_PAGE, "map_points": map_points_codec,
             "drivers": drivers_codec}
    return built[name]()


# ----------------------------------------------------------------------------------------- the table


def read(engine: Engine, name: str, key: str, version: str) -> bytes | None:
    """The stored payload of (name, key) for `version`, or None (none, another version, or unreadable)."""
    try:
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT payload FROM stored_result WHERE name = :name AND key_hash = :key AND data_version = :v"
                " AND code = :code"), {"name": name, "key": key, "v": version, "code": code_fingerprint()}).first()
    except Exception:  # a store not upgraded yet, a broken connection: compute instead
        log.debug("reading stored result %s failed", name, exc_info=True)
        return None
    return None if row is None else bytes(row[0])


def write(engine: Engine, name: str, key: str, version: str, payload: bytes) -> bool:
    """Store a payload for `version` if that is still the store's data version (a write that committed meanwhile
    makes it stale: nothing is stored); drops every row of another version or code. False when not stored."""
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            if sqlite:  # wait for a locked file at most WRITE_WAIT_MS, then leave the connection as it was
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
                conn.commit()
            try:
                with conn.begin():
                    if not sqlite:
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITE_WAIT_MS}ms'")
                    stored = _replace(conn, name, key, version, payload)
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")  # the engine's own
                    conn.commit()
    except Exception as error:  # read-only, locked past WRITE_WAIT_MS, or a twin process stored the same row first
        log.info("storing result %s was skipped (%s)", name, type(error).__name__)
        log.debug("storing result %s failed", name, exc_info=True)
        return False
    return stored


def _replace(conn: Any, name: str, key: str, version: str, payload: bytes) -> bool:
    code = code_fingerprint()
    current = conn.execute(text("SELECT value FROM store_meta WHERE key = 'data_version'")).scalar()
    if (current or "") != version:
        return False
    conn.execute(text("DELETE FROM stored_result WHERE data_version <> :v OR code <> :code"),
                 {"v": version, "code": code})
    if (conn.execute(text("SELECT COUNT(*) FROM stored_result")).scalar() or 0) >= MAX_ROWS:
        return False
    conn.execute(text("DELETE FROM stored_result WHERE name = :name AND key_hash = :key"), {"name": name, "key": key})
    conn.execute(text("INSERT INTO stored_result (name, key_hash, data_version, code, payload, created_at)"
                      " VALUES (:name, :key, :v, :code, :payload, :at)"),
                 {"name": name, "key": key, "v": version, "code": code, "payload": payload,
                  "at": datetime.now(UTC).replace(tzinfo=None)})
    return True


def remember(engine: Engine, version: str, name: str, args: tuple[Any, ...], compute: Callable[[], Any],
             codec: Codec) -> Any:
    """The result of `compute()` for this data version: read from the store when a process already stored it,
    otherwise computed and stored (when it round-trips exactly)."""
    key = key_hash(args)
    payload = read(engine, name, key, version)
    if payload is not None:
        try:
            return codec.decode(payload)
        except Exception:  # a damaged row: compute and replace it
            log.warning("stored result %s could not be decoded; computing it", name, exc_info=True)
    value = compute()
    try:
        payload = codec.encode(value)
        exact = codec.same(value, codec.decode(payload))
    except Exception:
        log.debug("result %s cannot be stored", name, exc_info=True)
        return value
    if exact:
        write(engine, name, key, version, payload)
    else:
        log.info("result %s does not round-trip exactly; not stored", name)
    return value


def clear(conn: Any) -> None:
    """Empty the table (every restore: the rows describe data that is gone)."""
    conn.execute(text("DELETE FROM stored_result"))
