"""Bytes to tables: the file type from its first bytes, the text encoding by trial decoding, the sheets of a
workbook with merged cells filled, and the header row found among title rows by matching header aliases (a
two-row header with merged parent cells is read as 'parent + child').

Nothing here touches the store; problems go into `Findings`."""

from __future__ import annotations

import csv
import html
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from data_layer.imports.fields import Kind
from data_layer.imports.problems import Findings
from data_layer.imports.values import norm, title_money_unit

HEAD_ROWS = 30  # title rows above the header are searched this far down
BIG_XLSX_BYTES = 12 * 1024 * 1024  # above this a workbook is read in openpyxl's streaming mode (no merged cells)
ENCODINGS = ("utf-8", "gb18030")  # after the BOM checks; GB18030 is a superset of GBK and GB2312
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
JSON_SUFFIXES = (".geojson", ".json")
GBK_EVIDENCE = 32  # non-UTF-8 lines after which a file that is mostly so is taken for GBK (see mixed_encoding_line)
# Bounded cost (issue 15): what a file may make the reader do is bounded by its real content, not by its widest
# line or the size its sheets declare. A row may hold at most EXTRA_CELLS cells beyond its header (stray cells
# there are refused by the table reader anyway); a workbook at most MAX_CELLS cells, of which empty formatted
# cells may outnumber the filled ones EMPTY_FACTOR to one, and its shared-string table at most STRINGS_FACTOR
# times the cells that use it (plus STRINGS_SLACK).
HEAD_CELLS = 1_024  # cells kept per row while looking for the header
EXTRA_CELLS = 64
MAX_CELLS = 10_000_000
EMPTY_FACTOR = 20
EMPTY_SLACK = 200_000
STRINGS_FACTOR = 4
STRINGS_SLACK = 100_000
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # CJK punctuation, ideographs, full-width forms


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as a spreadsheet names columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sniff_format(file_name: str, data: bytes) -> str:
    """xlsx, xls, json, csv or unknown, from the first bytes (the extension only breaks ties)."""
    lower = file_name.lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if lower.endswith(JSON_SUFFIXES) or stripped.startswith(b"{"):
        return "json"
    if lower.endswith(EXCEL_SUFFIXES):
        return "unknown"  # named .xlsx but not a workbook
    return "csv"


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, encoding name) by BOM, then trial decoding: UTF-8, then GB18030 (covers GBK). None if neither fits,
    and None for a mixed file (see `mixed_encoding_line`), which no single decoding reads correctly."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 BOM"
        except UnicodeDecodeError:
            return None
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[2:].decode(codec), "UTF-16"
            except UnicodeDecodeError:
                return None
    for codec in ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec != "utf-8" and mixed_encoding_line(data) is not None:
            return None  # GB18030 decodes almost any bytes: it would turn the UTF-8 part into mojibake
        return text, "UTF-8" if codec == "utf-8" else "GBK/GB18030"
    return None


def mixed_encoding_line(data: bytes) -> int | None:
    """The 1-based number of the first line that is not UTF-8 in a file that is otherwise mostly UTF-8 (e.g. one
    cell pasted from a GBK file into a UTF-8 one), else None.

    "Mostly": at least as many lines read as UTF-8 Chinese text (valid UTF-8 with a CJK character, three bytes
    in UTF-8) as fail to decode. A GBK line is rarely valid UTF-8 by chance, and then mostly as two-byte Latin or
    Cyrillic look-alikes (GBK 元 = D4 AA is UTF-8 Ԫ), hardly ever as CJK; so a real GBK file has next to no such
    lines, while a UTF-8 file with one GBK cell has one bad line among many good ones. The scan stops once bad
    lines outnumber good ones four to one past GBK_EVIDENCE lines: a GBK file then costs a few dozen line
    decodes, not a million."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    good = bad = 0
    first_bad: int | None = None
    for number, line in enumerate(io.BytesIO(body), start=1):  # lazily: a GBK file stops after a few lines
        if line.isascii():
            continue
        try:
            good += bool(_CJK.search(line.decode("utf-8")))
        except UnicodeDecodeError:
            bad += 1
            first_bad = first_bad or number
            if bad >= GBK_EVIDENCE and good * 4 < bad and not data.startswith(b"\xef\xbb\xbf"):
                return None
    if data.startswith(b"\xef\xbb\xbf") or good >= max(bad, 1):
        return first_bad  # a UTF-8 BOM says the writer meant UTF-8 throughout
    return None


def decode_reported(data: bytes, findings: Findings) -> tuple[str, str] | None:
    """`decode`, with the reason in `findings` when the file cannot be decoded (mixed, or no encoding fits)."""
    decoded = decode(data)
    if decoded is not None:
        return decoded
    line = mixed_encoding_line(data)
    if line is not None:
        findings.error("mixed_encoding", row=line)
    else:
        findings.error("encoding")
    return None


@dataclass
class RawSheet:
    """One sheet (or the CSV) before its header is known: the first rows, and a way to read the data rows."""

    name: str
    head: list[list[object]]
    rows: list[list[object]] | None = None  # workbooks: every row; CSV: read lazily (see `body`)
    text: str = ""
    delimiter: str = ","
    formulas: dict[tuple[int, int], object] = field(default_factory=dict)  # (row0, col0) -> cached value or None

    def body(self, start: int, findings: Findings, numeric: set[int] | frozenset[int] = frozenset(),
             width: int | None = None) -> tuple[pd.DataFrame, np.ndarray] | None:
        """Rows from index `start` (0-based) as a frame of raw cells, with their spreadsheet row numbers.
        `numeric`: CSV columns the C parser may read as numbers directly (the rest stay text, so codes such as
        0012 keep their zeros); a numeric column with text in it simply stays text. `width`: the header's width;
        a row with more than EXTRA_CELLS cells beyond it is refused before it is read into a frame."""
        if self.rows is not None:
            if width is not None:
                widest = max(range(start, len(self.rows)), key=lambda i: len(self.rows[i]), default=None)  # type: ignore[index]
                if widest is not None and len(self.rows[widest]) > width + EXTRA_CELLS \
                        and _filled_beyond(self.rows[widest], width + EXTRA_CELLS):
                    findings.error("row_too_wide", sheet=self.name, row=widest + 1, cells=len(self.rows[widest]),
                                   width=width, extra=EXTRA_CELLS, letter=column_letter(width))
                    return None
            frame = pd.DataFrame(self.rows[start:], dtype=object)
            return frame, np.arange(start + 1, start + 1 + len(frame))
        return _csv_body(self, start, findings, numeric, width)

    def field_counts(self, start: int, rows: int) -> np.ndarray:
        """CSV only: how many cells each of `rows` records from index `start` holds as written (an empty cell
        between delimiters counts; the frame from `body` cannot tell it from no cell at all)."""
        counts = _csv_field_counts(self.text, self.delimiter)
        out = np.zeros(rows, dtype="int64")
        part = counts[start:start + rows]
        out[:len(part)] = part
        return out


def _filled_beyond(row: list[object], start: int) -> bool:
    return any(v is not None and str(v).strip() != "" for v in row[start:])


def _csv_field_counts(text: str, delimiter: str) -> np.ndarray:
    """Cells per record. Without quotes a record is a line and delimiters are counted with numpy (a million
    rows in well under a second); a quoted cell may hold a delimiter or a line break, so then the csv module
    reads the records."""
    if '"' not in text:
        raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        ends = np.flatnonzero(raw == 10)
        if len(raw) and (not len(ends) or ends[-1] != len(raw) - 1):
            ends = np.append(ends, len(raw))  # a last line without a line break
        before = np.searchsorted(np.flatnonzero(raw == ord(delimiter)), ends)
        return np.diff(before, prepend=0) + 1
    try:
        return np.fromiter((len(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)), dtype="int64")
    except csv.Error:
        return np.zeros(0, dtype="int64")  # a broken quote: the body read reports it


def read_sheets(file_name: str, data: bytes, findings: Findings) -> list[RawSheet]:
    """The file's sheets, or [] with a problem saying why the file cannot be read."""
    kind = sniff_format(file_name, data)
    if not data:
        findings.error("empty_file")
        return []
    if kind == "xls":
        findings.error("old_xls")
        return []
    if kind in ("json", "unknown"):
        findings.error("wrong_type", allowed=".csv, .xlsx")
        return []
    if kind == "xlsx":
        return _read_workbook(data, findings)
    decoded = decode_reported(data, findings)
    if decoded is None:
        return []
    text, encoding = decoded
    if "\x00" in text[:4096]:
        findings.error("binary")
        return []
    if encoding != "UTF-8":
        findings.note("encoding_used", encoding=encoding)
    return [_csv_sheet(text)]


# ---------------------------------------------------------------- CSV


def _delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:HEAD_ROWS] if line.strip()]
    best, best_count = ",", 0
    for candidate in (",", "\t", ";", "|"):
        count = max((line.count(candidate) for line in lines), default=0)
        if count > best_count:
            best, best_count = candidate, count
    return best


def _csv_sheet(text: str) -> RawSheet:
    delimiter = _delimiter(text[:65536])
    head: list[list[object]] = []
    reader = csv.reader(io.StringIO(text[: 256 * 1024]), delimiter=delimiter)
    try:
        for row in reader:
            head.append(list(row[:HEAD_CELLS]))  # a line of a million commas must not cost a million cells here
            if len(head) >= HEAD_ROWS:
                break
    except csv.Error:
        pass  # a broken quote in the first rows: header search works on what was read
    return RawSheet(name="", head=head, text=text, delimiter=delimiter)


def _csv_body(sheet: RawSheet, start: int, findings: Findings, numeric: set[int] | frozenset[int],
              header_width: int | None = None) -> tuple[pd.DataFrame, np.ndarray] | None:
    reader = csv.reader(io.StringIO(sheet.text), delimiter=sheet.delimiter)
    try:
        for _ in range(start):
            next(reader)
    except (StopIteration, csv.Error):
        return pd.DataFrame(), np.arange(0)
    skip_lines = reader.line_num
    # Room for stray cells right of the table (refused by the table reader, with their text); the frame's width
    # follows the header, never the widest line: the C parser stops at a longer row (reported as row_too_wide).
    widest_head = max((len(r) for r in sheet.head), default=1)
    width = min(widest_head, (header_width or widest_head) + EXTRA_CELLS) + 4
    # The C parser raises for a later row longer than `width`, but takes a longer FIRST row's extra cells for an
    # index (silently, and at a cost that grows with the row): that one row is measured here.
    try:
        first = next(reader, None)
    except csv.Error:
        first = None
    if first is not None and len(first) > width:
        findings.error("row_too_wide", row=start + 1, cells=len(first), width=header_width or width - 4,
                       extra=EXTRA_CELLS, letter=column_letter(header_width or width - 4))
        return None
    try:
        # bytes, not a StringIO: the C parser reads UTF-8 bytes, and a text stream hands them over in small pieces
        frame = pd.read_csv(io.BytesIO(sheet.text.encode("utf-8")), encoding="utf-8", sep=sheet.delimiter,
                            header=None, skiprows=skip_lines, names=list(range(width)),
                            dtype={i: object for i in range(width) if i not in numeric},
                            keep_default_na=False, na_values=[""],
                            skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL)
    except pd.errors.EmptyDataError:
        return pd.DataFrame(), np.arange(0)
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        wide = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if wide:
            findings.error("row_too_wide", row=int(wide[2]) + skip_lines, cells=int(wide[3]),
                           width=header_width or width - 4, extra=EXTRA_CELLS,
                           letter=column_letter(header_width or width - 4))
            return None
        match = re.search(r"line (\d+)", str(exc))
        row = int(match[1]) + skip_lines if match else None
        findings.error("csv_broken", row=row, detail=str(exc)[:160])
        return None
    return frame, np.arange(start + 1, start + 1 + len(frame))


# ---------------------------------------------------------------- workbooks


def unzipped_size(data: bytes) -> int | None:
    """Total uncompressed size of a zip's members from its directory, without unpacking anything (None when it
    is no readable zip: openpyxl then says so). The sizes there bound what Python's zipfile will inflate, so a
    member that claims to be small cannot unpack to more."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


@dataclass
class PartCounts:
    """What one zip member holds, counted while inflating it in pieces (never held whole)."""

    cells: int = 0  # <c> elements
    valued: int = 0  # cells with a value (<v>) or an inline string (<is>)
    string_cells: int = 0  # cells pointing into the shared-string table (t="s")
    strings: int = 0  # <si> entries (sharedStrings.xml)
    dimension: str = ""  # the <dimension ref> the sheet declares


# XML allows whitespace after an element's name (`<c\tr="A1">`) and a namespace prefix (`<x:c r="A1">`); openpyxl
# reads both, so the counts must too, or a file written that way passes every limit unseen.
_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_PATTERNS = {
    "cells": re.compile(rb"<" + _PREFIX + rb"c[\s/>]"),
    "valued": re.compile(rb"<" + _PREFIX + rb"(?:v|is)[\s>]"),  # <v/> is no value
    "string_cells": re.compile(rb"\st\s*=\s*[\"']s[\"']"),
    "strings": re.compile(rb"<" + _PREFIX + rb"si[\s/>]"),
}
_OVERLAP = 64  # bytes carried from one piece to the next: longer than any match, so none is lost at a seam
_DIMENSION = re.compile(rb"<" + _PREFIX + rb"dimension\s+ref\s*=\s*[\"']([A-Z]{1,3}\d{1,7}(?::[A-Z]{1,3}\d{1,7})?)[\"']")
_RANGE = re.compile(r"([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?")


def count_part(archive: zipfile.ZipFile, name: str, chunk: int = 4 << 20) -> PartCounts:
    counts = PartCounts()
    tail = b""
    with archive.open(name) as member:
        first = True
        while True:
            piece = member.read(chunk)
            if not piece:
                break
            block = tail + piece
            if first:
                found = _DIMENSION.search(block[:4096])
                counts.dimension = found[1].decode() if found else ""
                first = False
            for attribute, pattern in _PATTERNS.items():
                # a match within the carried-over tail was counted with the piece before; one across the seam is
                # counted here, once (every pattern starts at a '<' or a space, neither inside another match)
                setattr(counts, attribute, getattr(counts, attribute)
                        + len(pattern.findall(block)) - len(pattern.findall(tail)))
            tail = block[-_OVERLAP:]
    return counts


def _declared_cells(dimension: str) -> int:
    found = _RANGE.fullmatch(dimension)
    if not found or not found[3]:
        return 0
    rows = int(found[4]) - int(found[2]) + 1
    columns = _column_number(found[3]) - _column_number(found[1]) + 1
    return max(rows, 0) * max(columns, 0)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet XML part -> the tab's title, from workbook.xml and its relationships (the part name otherwise)."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {m[1]: m[2] for m in re.finditer(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    targets |= {m[2]: m[1] for m in re.finditer(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
    out = {}
    for found in re.finditer(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"', book):
        target = targets.get(found[2], "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[part] = html.unescape(found[1])
    return out


def check_workbook_parts(data: bytes, findings: Findings) -> bool:
    """Refuse, before openpyxl inflates anything, a workbook whose sheets hold more cells than MAX_CELLS, mostly
    empty formatted cells (a few rows of data followed by millions of styled blanks), a declared size far beyond
    its real cells, or a shared-string table far larger than the cells that use it. Costs one streaming pass over
    the sheet XML (~0.1 s per 40 MB). Returns whether the workbook may be read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [i.filename for i in archive.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return True  # openpyxl says what is wrong with it
    sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    titles = _sheet_titles(archive)
    total = PartCounts()
    for name in sheets:
        counts = count_part(archive, name)
        sheet = titles.get(name, name.rsplit("/", 1)[-1].removesuffix(".xml"))
        empty = counts.cells - counts.valued
        declared = _declared_cells(counts.dimension)
        if counts.cells > MAX_CELLS:
            findings.error("xlsx_too_many_cells", sheet=sheet, cells=f"{counts.cells:,}", limit=f"{MAX_CELLS:,}")
            return False
        if empty > EMPTY_SLACK and empty > EMPTY_FACTOR * counts.valued:
            findings.error("xlsx_mostly_empty", sheet=sheet, empty=f"{empty:,}", filled=f"{counts.valued:,}")
            return False
        if declared > MAX_CELLS and declared > EMPTY_FACTOR * max(counts.cells, 1):
            findings.error("xlsx_declared_size", sheet=sheet, dimension=counts.dimension,
                           declared=f"{declared:,}", cells=f"{counts.cells:,}")
            return False
        total.string_cells += counts.string_cells
    if "xl/sharedStrings.xml" in names:
        strings = count_part(archive, "xl/sharedStrings.xml").strings
        if strings > STRINGS_SLACK and strings > STRINGS_FACTOR * total.string_cells:
            findings.error("xlsx_unused_strings", strings=f"{strings:,}", used=f"{total.string_cells:,}")
            return False
    return True


def _sheet_rows(ws: Worksheet, big: bool) -> tuple[list[list[object]], dict[tuple[int, int], object]]:
    """The cells the sheet holds, row by row (each row as long as its own last cell), and where formulas are.
    Built from the cells themselves, not from iter_rows over the sheet's bounding box: one stray cell far right
    would otherwise make every row that wide."""
    rows: list[list[object]] = []
    formulas: dict[tuple[int, int], object] = {}
    cells = getattr(ws, "_cells", None)  # openpyxl's own {(row, column): cell}; the read-only sheet has none
    if big or cells is None:
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # read-only: ignore the declared size, read the rows the XML holds
        for r_index, row in enumerate(ws.iter_rows(min_row=1, min_col=1)):
            values = []
            for c_index, cell in enumerate(row):
                if getattr(cell, "data_type", None) == "f":
                    formulas[(r_index, c_index)] = None
                values.append(getattr(cell, "value", None))
            rows.append(values)
        return rows, formulas
    for (r, c), cell in cells.items():
        while len(rows) < r:
            rows.append([])
        row = rows[r - 1]
        if len(row) < c:
            row.extend([None] * (c - len(row)))
        row[c - 1] = cell.value
        if cell.data_type == "f":
            formulas[(r - 1, c - 1)] = None
    return rows, formulas


def _read_workbook(data: bytes, findings: Findings) -> list[RawSheet]:
    from openpyxl import load_workbook

    if not check_workbook_parts(data, findings):
        return []
    big = len(data) > BIG_XLSX_BYTES
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=big, data_only=False)
    except Exception as exc:
        findings.error("bad_xlsx", detail=type(exc).__name__)
        return []
    sheets: list[RawSheet] = []
    any_formula = False
    for ws in book.worksheets:
        rows, formulas = _sheet_rows(ws, big)
        while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
            rows.pop()  # trailing empty rows are formatting, not data
        if not big:
            _fill_merged(ws, rows)
        elif getattr(ws, "merged_cells", None) is None:
            findings.note("merged_not_filled", sheet=ws.title)
        any_formula = any_formula or bool(formulas)
        sheets.append(RawSheet(name=ws.title, head=rows[:HEAD_ROWS], rows=rows, formulas=formulas))
    if any_formula:
        _cached_formula_values(data, sheets, big)
    book.close() if big else None
    return sheets


def _fill_merged(ws: Worksheet, rows: list[list[object]]) -> None:
    """Give every cell of a merged range the top-left value, as a reader of the sheet sees it."""
    for merged in list(ws.merged_cells.ranges):
        top, left = merged.min_row - 1, merged.min_col - 1
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(merged.max_row, len(rows))):
            row = rows[r]
            for c in range(left, merged.max_col):
                if c < len(row):
                    row[c] = value


def _cached_formula_values(data: bytes, sheets: list[RawSheet], big: bool) -> None:
    """Replace formulas by the values Excel last computed; a formula never computed stays None (reported)."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(io.BytesIO(data), read_only=big, data_only=True)
    for sheet, ws in zip(sheets, book.worksheets, strict=True):
        if not sheet.formulas:
            continue
        wanted = sorted(sheet.formulas)
        cached = {}
        for r_index, row in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True)):
            for c_index, value in enumerate(row):
                if (r_index, c_index) in sheet.formulas:
                    cached[(r_index, c_index)] = value
        for r_index, c_index in wanted:
            value = cached.get((r_index, c_index))
            sheet.formulas[(r_index, c_index)] = value
            if sheet.rows is not None and r_index < len(sheet.rows) and c_index < len(sheet.rows[r_index]):
                sheet.rows[r_index][c_index] = value
        sheet.head = sheet.rows[:HEAD_ROWS] if sheet.rows is not None else sheet.head
    if big:
        book.close()


# ---------------------------------------------------------------- headers


@lru_cache(maxsize=65_536)
def split_unit(text: str) -> tuple[str, str]:
    """'税收（万元）' -> ('税收', '万元'); '面积(㎡)已入驻' -> ('面积已入驻', 'm2'). Units inside brackets anywhere."""
    value = norm(text)
    units = re.findall(r"[(\[【](.*?)[)\]】]", value)
    base = re.sub(r"[(\[【].*?[)\]】]", "", value)
    base = base.replace("必填", "").replace("选填", "")
    unit = next((u for u in reversed(units) if u not in ("必填", "选填", "")), "")
    return base, unit


@dataclass
class Header:
    """Where a sheet's header is and what its columns mean."""

    last_row: int  # 0-based index of the (last) header row; data follows
    columns: dict[str, int]  # field name -> column index
    texts: dict[int, str]  # column index -> header as written
    units: dict[int, str]  # column index -> unit named in the header (normalised)
    unknown: list[int]  # columns with a header that means nothing to this kind
    duplicate: list[int]  # columns naming a field an earlier column already gave
    first_row: int = 0  # 0-based index of the first header row (rows above it are titles)
    width: int = 0  # up to the last named header cell: a data cell right of it belongs to no column
    money_unit: str = ""  # the money unit a title row declares for the sheet ('单位：元' -> '元'), '' if none

    def satisfies(self, kind: Kind) -> bool:
        return all(any(name in self.columns for name in group) for group in kind.identity)


def _numeric(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _cell_header(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _match_candidates(candidates: list[str], kind: Kind) -> tuple[str | None, str, str]:
    """(field, header text used, unit) for the first candidate spelling that names a field."""
    for text in candidates:
        if not text:
            continue
        full = norm(text)
        base, unit = split_unit(text)
        for key in (full, base):
            name = kind.lookup.get(key)
            if name:
                return name, text, unit
    return None, next((c for c in candidates if c), ""), ""


def _header_from(rows: list[list[str]], kind: Kind, last_row: int) -> Header:
    width = max(len(r) for r in rows)
    if len(rows) == 2:
        parent = list(rows[0]) + [""] * (width - len(rows[0]))
        child = list(rows[1]) + [""] * (width - len(rows[1]))
        filled, current = [], ""
        for index, value in enumerate(parent):
            # A horizontally merged parent shows its text once; carry it right while the child row has text.
            current = value if value else (current if child[index] else "")
            filled.append(current)
        candidate_rows = [[c, p + c, c + p, p] if c and p and c != p else [c or p]
                          for p, c in zip(filled, child, strict=True)]
    else:
        candidate_rows = [[c] for c in rows[0]] + [[""]] * (width - len(rows[0]))
    columns: dict[str, int] = {}
    texts: dict[int, str] = {}
    units: dict[int, str] = {}
    unknown: list[int] = []
    duplicate: list[int] = []
    for index, candidates in enumerate(candidate_rows):
        name, text, unit = _match_candidates(candidates, kind)
        if text:
            texts[index] = text
        if name is None:
            if text:
                unknown.append(index)
        elif name in columns:
            duplicate.append(index)
        else:
            columns[name] = index
            units[index] = unit
    return Header(last_row=last_row, columns=columns, texts=texts, units=units, unknown=unknown, duplicate=duplicate,
                  first_row=last_row + 1 - len(rows), width=max(texts) + 1 if texts else width)


def find_header(head: list[list[object]], kind: Kind) -> Header | None:
    """The header row (or pair of rows) that names most of this kind's fields and satisfies its identity."""
    text_rows = [[_cell_header(v) for v in row] for row in head]
    best: Header | None = None
    best_key: tuple[int, int, int] = (-1, 0, 0)
    for index, row in enumerate(text_rows):
        if sum(1 for cell in row if cell and not _numeric(cell)) < 1:
            continue  # a header names its columns in words; rows of numbers are data
        options = [(_header_from([row], kind, index), 1)]
        if index + 1 < len(text_rows) and any(text_rows[index + 1]):
            options.append((_header_from([row, text_rows[index + 1]], kind, index + 1), 0))
        for header, prefer_single in options:
            key = (len(header.columns), prefer_single, -index)
            if header.satisfies(kind) and key > best_key:
                best, best_key = header, key
    if best is not None:
        best.money_unit = _title_money_unit(text_rows[:best.first_row])
    return best


def _title_money_unit(title_rows: list[list[str]]) -> str:
    """The money unit the title rows declare (the one nearest the header wins), '' when they declare none."""
    for row in reversed(title_rows):
        for cell in row:
            unit = title_money_unit(cell) if cell else ""
            if unit:
                return unit
    return ""


def header_score(head: list[list[object]], kind: Kind) -> int:
    """How many of a kind's fields the best header row names (0 when it is not this kind's sheet)."""
    header = find_header(head, kind)
    return len(header.columns) if header else 0
