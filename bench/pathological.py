"""Pathological upload files (issue 15): each is read in a child process through the same `parse` + dry run the page
runs, and refused; the child reports seconds and its peak memory (the rise of its peak RSS over what the process
held before reading, so the libraries already loaded do not count; Linux /proc/self/status).

    .venv/bin/python -m bench.pathological            # or as part of: .venv/bin/python -m bench.imports

Target: each refused in under 2 s and 300 MB."""

from __future__ import annotations

import io
import multiprocessing
import resource
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

HEADER = ["楼宇编号", "统计月份", "已入驻面积（㎡）", "可租面积（㎡）", "在楼经营企业数", "注册在楼企业数", "全口径税收（万元）"]
CAP_S = 120  # a child still reading after this is stopped and reported as over the cap


def _rows(count: int) -> str:
    return "".join(f"B{i:04d},2026年9月,8000,10000,40,30,100.5\n" for i in range(1, count + 1))


def wide_csv(commas: int, *, size: int | None = None) -> bytes:
    """A monthly CSV with one line of `commas` commas; `size`: pad with ordinary rows to about this many bytes."""
    head = ",".join(HEADER) + "\n"
    line = "B0001,2026年9月" + "," * commas + "\n"  # right under the header: among the rows read to find it
    body = ""
    if size is not None:
        body = _rows(size // 40)
        room = size - len(line.encode()) - len(head.encode())
        body = body.encode()[:max(room, 0)].decode(errors="ignore")
        body = body[: body.rfind("\n") + 1]
    return (head + line + body).encode()


def _small_book() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "月报"
    sheet.append(HEADER)
    for i in range(1, 20):
        sheet.append([f"B{i:04d}", "2026年9月", 8000, 10000, 40, 30, 100.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rezip(data: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            out.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, content in (extra or {}).items():
            out.writestr(name, content)
    return target.getvalue()


def xlsx_bomb(unzipped_mb: int = 40) -> bytes:
    """A 20-row sheet whose XML is padded with rows of empty styled cells (no r attributes: both are optional in
    the format), so a ~145 KB upload unpacks to `unzipped_mb` MB."""
    piece = "<row>" + '<c s="0"/>' * 50 + "</row>"
    count = unzipped_mb * 1_000_000 // len(piece)

    def change(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        return content.replace(b"</sheetData>", (piece * count).encode() + b"</sheetData>")

    return _rezip(_small_book(), change)


def xlsx_strings(count: int = 2_000_000) -> bytes:
    """A 20-row sheet whose shared-string table gets `count` more strings that no cell uses."""
    extra = ("<si><t>unused</t></si>" * count).encode()

    table = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count)) + extra + b"</sst>"

    def change(name: str, content: bytes) -> bytes:  # register the table as Excel does
        if name == "[Content_Types].xml":
            return content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="applicat'
                                   b'ion/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(b"</Relationships>", b'<Relationship Id="rIdStrings" Type="http://schemas.'
                                   b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                   b'Target="sharedStrings.xml"/></Relationships>')
        return content

    return _rezip(_small_book(), change, {"xl/sharedStrings.xml": table})


CASES: dict[str, Callable[[], tuple[str, bytes]]] = {
    "csv, one line of 50,000 commas (~175 KB)": lambda: ("wide.csv", wide_csv(50_000, size=179_000)),
    "csv, one line of 1,000,000 commas (1 MB)": lambda: ("wide1m.csv", wide_csv(1_000_000)),
    "xlsx, ~145 KB unpacking to 40 MB of empty cells": lambda: ("bomb.xlsx", xlsx_bomb(40)),
    "xlsx, 2,000,000 unused shared strings": lambda: ("strings.xlsx", xlsx_strings()),
}


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _child(name: str, data: bytes, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from data_layer.imports import parse

    # A forked child starts with its parent's peak; Linux resets the peak (VmHWM) to the current size on "5".
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before, peak_field = _status_kb("VmRSS"), "VmHWM"
    except OSError:  # not Linux: the peak since the fork, an upper bound
        before, peak_field = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, ""
    started = time.perf_counter()
    parsed = parse("monthly", name, data)
    seconds = time.perf_counter() - started
    peak = _status_kb(peak_field) if peak_field else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    codes = [p.code for p in parsed.findings.problems][:3]
    message = parsed.findings.problems[0].line("en") if parsed.findings.problems else ""
    queue.put((seconds, (peak - before) / 1024, codes, message))


def run() -> list[dict]:
    import data_layer.imports  # noqa: F401 - loaded before the fork, so the children's peaks are the read alone

    context = multiprocessing.get_context("fork")
    results = []
    for label, make in CASES.items():
        name, data = make()
        queue = context.Queue()
        child = context.Process(target=_child, args=(name, data, queue))
        child.start()
        child.join(CAP_S)
        if child.is_alive():
            child.kill()
            child.join()
            results.append({"case": label, "bytes": len(data), "seconds": None, "peak_mb": None, "codes": [],
                            "message": f"still reading after {CAP_S} s: stopped"})
            continue
        seconds, peak_mb, codes, message = queue.get()
        results.append({"case": label, "bytes": len(data), "seconds": seconds, "peak_mb": peak_mb, "codes": codes,
                        "message": message})
    return results


def report(results: list[dict]) -> None:
    print(f"{'pathological file':<50} {'size':>9} {'time s':>7} {'peak MB':>8}  refused as")
    for r in results:
        seconds = "-" if r["seconds"] is None else f"{r['seconds']:.2f}"
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}"
        print(f"{r['case']:<50} {r['bytes'] / 1024:>7.0f}KB {seconds:>7} {peak:>8}  {', '.join(r['codes']) or '-'}")
        if r["message"]:
            print(f"{'':<50}   {r['message'][:150]}")


def main() -> None:
    report(run())


if __name__ == "__main__":
    main()
