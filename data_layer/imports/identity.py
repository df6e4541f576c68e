"""How rows name things that have no code in the file: streets by name with or without their 街道/镇 suffix,
buildings by (district, name) or a former name (曾用名), and the codes given to what a file creates.

Generated codes are documented and stable: `<district code>-<first 6 hex digits of SHA-1 of the name>`
(e.g. 440106-3f2a9c), so the same building or street gets the same code in every store and on every re-import,
whatever the order of the file. On the rare clash with a different record, more digits are taken."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection

from data_layer.imports.base import fetch
from data_layer.imports.values import norm

_STREET_SUFFIX = re.compile(r"(街道办事处|街道办|街道|镇人民政府|镇|街|乡)$")
FORMER_SEPARATOR = "；"
_SEPARATORS = re.compile(r"[；;，,、/|]")


def street_key(name: object) -> str:
    """'沙面街道', '沙面街', '沙面' -> '沙面'; '石楼镇' -> '石楼' (a name that is only a suffix stays as it is)."""
    key = norm(name)
    stripped = _STREET_SUFFIX.sub("", key)
    return stripped or key


def name_key(name: object) -> str:
    """A building name as compared: NFKC, case and spaces folded, full-width brackets as half-width."""
    return norm(name).replace("（", "(").replace("）", ")")


def split_former(text: object) -> list[str]:
    """'旧名甲；旧名乙' (or , 、 / |) -> ['旧名甲', '旧名乙']."""
    if text is None or (isinstance(text, float) and text != text):
        return []
    return [part.strip() for part in _SEPARATORS.split(str(text)) if part.strip()]


def join_former(names: Iterable[str]) -> str:
    return FORMER_SEPARATOR.join(dict.fromkeys(n for n in names if n))


def generated_code(district: str, name: str, taken: set[str], *, limit: int = 30) -> str:
    """`<district>-<sha1(name key)[:6]>`, longer on a clash with a code in `taken` (which it is added to)."""
    digest = hashlib.sha1(name_key(name).encode("utf-8")).hexdigest()
    for digits in range(6, 41):
        code = f"{district}-{digest[:digits]}"[:limit]
        if code not in taken:
            taken.add(code)
            return code
    raise ValueError("no free code")  # 40 hex digits all taken: cannot happen for distinct names


def stored_streets(conn: Connection) -> pd.DataFrame:
    return fetch(conn, "SELECT id, code, district_code, name_zh, name_en, geojson, crs FROM street")


def street_index(stored: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(district, compare key) -> street code, for codes, Chinese names with or without suffix and English names."""
    out: dict[tuple[str, str], str] = {}
    for row in stored.itertuples(index=False):
        for key in (norm(row.code), street_key(row.name_zh), norm(row.name_en)):
            out.setdefault((row.district_code, key), row.code)
    return out
