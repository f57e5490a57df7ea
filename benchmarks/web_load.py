"""Load on the consultation server: N concurrent comment submissions to 127.0.0.1, none lost.

    .venv/bin/python benchmarks/web_load.py                 # 200 submissions, SQLite
    .venv/bin/python benchmarks/web_load.py -n 100 --database postgresql://…   # against PostgreSQL

Starts ``reportgen serve`` on a free port of 127.0.0.1 (only there: the clients never talk to any other
address) for a published copy of the test project, with the rate limit lifted. Every simulated visitor
opens the announcement page (a session, a CSRF token, a Persian-words question), answers and posts; all
start at once. Then the database is counted: every submission must be there exactly once.
Prints submissions per second and the POST latencies (p50, p95, max). A command, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from web_support import ROOT_PAGE, form_fields, make_published_project, serving  # noqa: E402

MAX_SUBMISSIONS = 1000
DEADLINE = 300.0  # seconds: the whole run stops by itself


async def submit(client: httpx.AsyncClient, number: int) -> tuple[int, float]:
    page = await client.get(ROOT_PAGE)
    fields = form_fields(page.text)
    data = {**fields, "name": f"بازدیدکننده {number}", "email": f"v{number}@example.org",
            "text": f"load-{number} نظر آزمایشی", "item": "", "website": ""}  # fmt: skip
    started = time.perf_counter()
    answer = await client.post(ROOT_PAGE + "comments", data=data)
    return answer.status_code, time.perf_counter() - started


async def run_load(url: str, count: int) -> tuple[list[tuple[int, float]], float]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    started = time.perf_counter()
    clients = [httpx.AsyncClient(base_url=url, timeout=120, limits=limits) for _ in range(count)]
    try:
        results = await asyncio.wait_for(asyncio.gather(*(submit(c, n) for n, c in enumerate(clients))), DEADLINE)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return list(results), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--submissions", type=int, default=200)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in the server's data folder)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    count = min(args.submissions, MAX_SUBMISSIONS)
    with tempfile.TemporaryDirectory(prefix="reportgen-load-") as scratch:
        root = Path(scratch)
        print("preparing a published project …", file=sys.stderr)
        make_published_project(root / "project")
        data = root / "data"
        extra = ["--rate-limit", f"{count * 10}/60"] + (["--database", args.database] if args.database else [])
        with serving(root / "project", data, *extra) as server:
            print(f"{count} concurrent submissions to {server.url} …", file=sys.stderr)
            results, seconds = asyncio.run(run_load(server.url, count))
        url = args.database or f"sqlite:///{data / 'comments.sqlite3'}"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            query = sa.text("select text from comments where text like 'load-%'")
            texts = [row[0] for row in connection.execute(query)]
        engine.dispose()
    accepted = sum(1 for status, _ in results if status == 303)
    stored = {text.split()[0] for text in texts}
    latencies = sorted(latency for _, latency in results)
    numbers = {
        "submissions": count,
        "accepted": accepted,
        "stored": len(texts),
        "lost": count - len(stored),
        "duplicates": len(texts) - len(stored),
        "seconds": round(seconds, 2),
        "submissions_per_second": round(count / seconds, 1),
        "post_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "post_p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 1),
        "post_max_ms": round(latencies[-1] * 1000, 1),
        "database": "postgresql" if args.database else "sqlite",
    }
    for key, value in numbers.items():
        print(f"{key:24} {value}")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    return 0 if numbers["lost"] == 0 and numbers["duplicates"] == 0 and accepted == count else 1


if __name__ == "__main__":
    sys.exit(main())
