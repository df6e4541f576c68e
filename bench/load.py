"""A bounded load test of a running server: N simultaneous sessions driven over Streamlit's own websocket.

Browsers on 2 cores would measure the client, so each session here speaks the protocol directly: it connects to
/_stcore/stream, asks for a script run of a page (a BackMsg with rerun_script), and times the run until the
server's script_finished message. A run that ends in an exception element, a non-success status, a dropped
connection or a timeout is an error.

    python -m bench.load --url http://127.0.0.1:8501 --sessions 20 --rounds 5 --pages overview,map,goals
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect


@dataclass
class Result:
    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


DEFAULT_PAGE = "overview"  # app.py's default page: Streamlit serves it at "/", under the page name ""


def _rerun(page: str, query: str) -> bytes:
    message = BackMsg()
    name = "" if page == DEFAULT_PAGE else page
    message.rerun_script.CopyFrom(ClientState(query_string=query, page_name=name))
    return message.SerializeToString()


async def _run_once(ws, page: str, query: str, timeout: float) -> tuple[float, str | None]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    await ws.send(_rerun(page, query))
    error: str | None = None
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout=timeout)
        if isinstance(raw, str):
            continue
        message = ForwardMsg()
        message.ParseFromString(raw)
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            if message.delta.new_element.WhichOneof("type") == "exception":
                error = f"{page}: exception {message.delta.new_element.exception.message[:80]}"
        elif kind == "page_not_found":
            error = f"{page}: page not found"
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            if status == "FINISHED_EARLY_FOR_RERUN":
                continue
            if status != "FINISHED_SUCCESSFULLY" and error is None:
                error = f"{page}: {status}"
            return time.perf_counter() - started, error


async def _session(index: int, base: str, pages: list[str], rounds: int, query: str, timeout: float,
                   result: Result, distinct_clients: bool) -> None:
    ws_url = base.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
    # Behind the nginx example each session may present itself as a different client (a loopback address in
    # X-Forwarded-For), so the consistent hash spreads sessions over the replicas as real users would be.
    headers = {"X-Forwarded-For": f"127.1.{index // 250}.{index % 250 + 1}"} if distinct_clients else None
    try:
        async with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout,
                           additional_headers=headers) as ws:
            for round_number in range(rounds):
                page = pages[(index + round_number) % len(pages)]
                seconds, error = await _run_once(ws, page, query, timeout)
                result.timings.setdefault(page, []).append(seconds)
                if error:
                    result.errors.append(error)
    except Exception as exc:
        result.errors.append(f"session {index}: {type(exc).__name__}: {exc}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def run_load(*, base: str, sessions: int, rounds: int, pages: list[str], query: str = "lang=zh",
                   timeout: float = 120.0, distinct_clients: bool = False) -> dict[str, object]:
    """Run the load and summarise: per page and overall count, p50, p95, max; the error list."""
    result = Result()
    started = time.perf_counter()
    await asyncio.gather(*(_session(i, base, pages, rounds, query, timeout, result, distinct_clients)
                           for i in range(sessions)))
    wall = time.perf_counter() - started
    rows = []
    everything = [t for values in result.timings.values() for t in values]
    for page, values in sorted(result.timings.items()) + [("ALL", everything)]:
        if values:
            rows.append({"page": page, "runs": len(values), "p50_s": statistics.median(values),
                         "p95_s": _percentile(values, 0.95), "max_s": max(values)})
    return {"sessions": sessions, "rounds": rounds, "wall_s": wall, "rows": rows, "errors": result.errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", default="overview")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--distinct-clients", action="store_true",
                        help="send a different X-Forwarded-For per session (for the nginx example)")
    args = parser.parse_args()
    summary = asyncio.run(run_load(base=args.url.rstrip("/"), sessions=args.sessions, rounds=args.rounds,
                                   pages=args.pages.split(","), timeout=args.timeout,
                                   distinct_clients=args.distinct_clients))
    print(f"{summary['sessions']} simultaneous sessions × {summary['rounds']} runs in {summary['wall_s']:.1f} s")
    print(f"{'page':<14}{'runs':>6}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for row in summary["rows"]:  # type: ignore[union-attr]
        print(f"{row['page']:<14}{row['runs']:>6}{row['p50_s']:>9.3f}{row['p95_s']:>9.3f}{row['max_s']:>9.3f}")
    errors = summary["errors"]
    print(f"errors: {len(errors)}")  # type: ignore[arg-type]
    for error in errors[:20]:  # type: ignore[index]
        print("  ", error)


if __name__ == "__main__":
    main()
