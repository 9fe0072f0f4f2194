"""Creates and reads tickets over HTTP with concurrent clients against a running server.

    python benchmarks/api_bench.py --engine sqlite --clients 32 --requests 4000
    python benchmarks/api_bench.py --engine postgresql

Starts `caredesk serve` on a fresh database of the chosen engine, seeds accounts with the demo
loader, then runs the clients and prints requests/second and p50/p99 latency per operation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_db import drop_database, free_port, fresh_database
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
CAREDESK = str(Path(sys.executable).parent / "caredesk")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run_clients(
    base: str, token: str, account_ids: list[int], clients: int, total: int
) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {"create": [], "read": []}
    errors = 0
    per_client = total // clients // 2
    headers = {"Authorization": f"Bearer {token}"}

    async def client_loop(index: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            for n in range(per_client):
                account_id = account_ids[(index * per_client + n) % len(account_ids)]
                body = {
                    "account_id": account_id,
                    "subject": f"No data after SIM swap ({index}-{n})",
                    "description": "Customer reports no mobile data since the SIM swap.",
                    "priority": "normal",
                    "queue": "care",
                }
                started = time.perf_counter()
                created = await http.post("/v1/tickets", json=body)
                latencies["create"].append(time.perf_counter() - started)
                if created.status_code != 201:
                    errors += 1
                    continue
                started = time.perf_counter()
                read = await http.get(f"/v1/tickets/{created.json()['id']}")
                latencies["read"].append(time.perf_counter() - started)
                if read.status_code != 200:
                    errors += 1

    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    latencies["errors"] = [float(errors)]
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=4000, help="total HTTP requests")
    parser.add_argument("--workers", type=int, default=0, help="server workers (0: per engine)")
    args = parser.parse_args()
    workers = args.workers or (1 if args.engine == "sqlite" else 2)

    with tempfile.TemporaryDirectory() as tmp:
        url, pg_name = fresh_database(args.engine, Path(tmp), prefix="caredesk_bench")
        env = {**os.environ, "CAREDESK_DATABASE_URL": url, "CAREDESK_LOG_LEVEL": "WARNING"}
        subprocess.run([CAREDESK, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run(
            [CAREDESK, "demo", "load", "--accounts", "200", "--seed", "7", "--quiet"],
            env=env,
            check=True,
            capture_output=True,
        )
        token = subprocess.run(
            [CAREDESK, "token", "create", "admin", "--name", "bench"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        engine = create_engine(url, hide_parameters=True)
        with engine.connect() as connection:
            account_ids = [row[0] for row in connection.execute(text("SELECT id FROM accounts"))]
        engine.dispose()

        port = free_port()
        server = subprocess.Popen(
            [CAREDESK, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            started = time.perf_counter()
            latencies = asyncio.run(
                run_clients(base, token, account_ids, args.clients, args.requests)
            )
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
            if pg_name:
                drop_database(pg_name)

    done = len(latencies["create"]) + len(latencies["read"])
    print(
        f"engine={args.engine} workers={workers} clients={args.clients} requests={done} "
        f"errors={int(latencies['errors'][0])} elapsed={elapsed:.2f}s "
        f"throughput={done / elapsed:.0f} req/s"
    )
    for operation in ("create", "read"):
        values = latencies[operation]
        if values:
            print(
                f"  {operation:6s} n={len(values)} p50={statistics.median(values) * 1000:.1f} ms "
                f"p99={percentile(values, 0.99) * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
