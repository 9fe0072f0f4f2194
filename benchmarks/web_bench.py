"""Simulated agents on the browser pages: signed-in sessions, each holding a live stream and
opening a page every few seconds, against `caredesk serve`.

    python benchmarks/web_bench.py --engine sqlite                 # one server
    python benchmarks/web_bench.py --engine postgresql             # two servers, one database
    python benchmarks/web_bench.py --engine sqlite --agents 50 --duration 20

Starts the server(s) on a fresh database loaded with the demo, signs in ``--agents`` agents
(each their own agent profile and session), and runs them for ``--duration`` seconds: each
agent holds ``GET /live`` open and, every ``--interval`` seconds (jittered), opens its desktop
(``/desk``) or a customer's panel (``/desk/customers/{id}``), taking turns. Meanwhile a probe
event for every staff member is written straight to the database every ``--probe-every``
seconds, as any use case writes one; each stream's delay is from the probe's commit to the
moment that stream delivers it. The first ``--warmup`` seconds (every agent opening its stream
and first page at once, as after a restart) are run but not counted: their pages are shown
apart and no probe is sent in them. Each server runs ``--workers`` processes (the cores). On
PostgreSQL the agents are split over the servers, so half
of every probe's deliveries cross from the database's NOTIFY to another process.

Prints page latency p50/p99 (all pages, and per page), live-event delay p50/p99, errors (a
page not answered 200, a stream that broke, a probe a stream never delivered) and the load
average. The goals: page p99 < 150 ms, event delay p99 < 1 s, no errors. The simulated agents
run in this one process, so on a small machine their own scheduling is part of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench_db import drop_database, free_port, fresh_database
from sqlalchemy import text

from caredesk.agents import service as agents
from caredesk.audit.service import Actor
from caredesk.clock import SystemClock
from caredesk.db.registry import load_all_models
from caredesk.db.session import Database
from caredesk.live import Audience, publish
from caredesk.live.feed import head
from caredesk.users import service as users
from caredesk.users.models import Role
from caredesk.users.sessions import start_session

CAREDESK = str(Path(sys.executable).parent / "caredesk")
BENCH = Actor.system("web-bench")
PROBE_KIND = "agent.bench_probe"
COOKIE = "caredesk_session"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def sign_in_agents(db: Database, count: int) -> list[str]:
    """``count`` agents, each with a login and a live session; their session cookies."""
    tokens = []
    with db.uow() as uow, uow.atomic():  # one transaction for them all
        for n in range(count):
            agent = agents.create_agent(
                uow,
                actor=BENCH,
                login=f"bench{n:04d}",
                name=f"Bench Agent {n}",
                role="agent",
                line_of_business="care",
                time_zone="America/New_York",
                platform_line="+12065550100",
            )
            user = users.create_user(
                uow,
                actor=BENCH,
                login=f"bench{n:04d}",
                display_name=f"Bench Agent {n}",
                role=Role.AGENT,
                agent_id=agent.id,
            )
            tokens.append(start_session(uow, user=user).token)
    return tokens


@dataclass
class Results:
    pages: dict[str, list[float]] = field(default_factory=dict)
    warmup_pages: list[float] = field(default_factory=list)
    """Pages started in the warm-up, when every agent opens its stream at once."""
    delays: list[float] = field(default_factory=list)
    page_errors: int = 0
    stream_errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    received: dict[int, set[int]] = field(default_factory=dict)
    """probe number -> the agents whose stream delivered it."""

    def error(self, text: str) -> None:
        if len(self.error_samples) < 5:
            self.error_samples.append(text)


async def hold_stream(
    client: httpx.AsyncClient, index: int, start: str, sent: dict[int, float], results: Results,
    stop: asyncio.Event,
) -> None:  # fmt: skip
    """One agent's ``/live``: every probe it delivers, with its delay since the commit. It
    reads until cancelled (after the last probes had their time to arrive); once ``stop`` is
    set, a broken stream is not opened again."""
    position = start
    while not stop.is_set():
        try:
            async with client.stream(
                "GET", "/live", params={"last_event_id": position}, timeout=None
            ) as response:
                if response.status_code != 200:
                    results.stream_errors += 1
                    results.error(f"/live answered {response.status_code}")
                    return
                data = ""
                async for line in response.aiter_lines():
                    if line.startswith("id: "):
                        position = line[4:]
                    elif line.startswith("data: "):
                        data = line[6:]
                    elif line == "" and data:
                        now = time.perf_counter()
                        event = json.loads(data)
                        data = ""
                        if event.get("kind") == "session.ended":
                            results.stream_errors += 1
                            results.error("a session ended")
                            return
                        probe = (event.get("payload") or {}).get("probe")
                        if event.get("kind") == PROBE_KIND and probe in sent:
                            results.delays.append(now - sent[probe])
                            results.received.setdefault(probe, set()).add(index)
        except (httpx.HTTPError, json.JSONDecodeError) as exc:
            if stop.is_set():
                return
            results.stream_errors += 1
            results.error(f"stream: {type(exc).__name__}: {exc}")
            await asyncio.sleep(1.0)  # as the browser would, then from its place


async def open_pages(
    client: httpx.AsyncClient, accounts: list[int], interval: float, results: Results,
    stop: asyncio.Event, rng: random.Random, counted_from: float,
) -> None:  # fmt: skip
    """Every few seconds, the desktop or a customer's panel, taking turns."""
    await asyncio.sleep(rng.uniform(0, interval))
    turn = rng.randrange(2)
    while not stop.is_set():
        if turn % 2:
            name, path = "customer panel", f"/desk/customers/{rng.choice(accounts)}"
        else:
            name, path = "desk", "/desk"
        turn += 1
        started = time.perf_counter()
        try:
            answer = await client.get(path)
            elapsed = time.perf_counter() - started
            if answer.status_code == 200 and started < counted_from:
                results.warmup_pages.append(elapsed)
            elif answer.status_code == 200:
                results.pages.setdefault(name, []).append(elapsed)
            else:
                results.page_errors += 1
                results.error(f"{path} answered {answer.status_code}")
        except httpx.HTTPError as exc:
            results.page_errors += 1
            results.error(f"{path}: {type(exc).__name__}: {exc}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval * rng.uniform(0.5, 1.5))


async def send_probes(
    db: Database, every: float, sent: dict[int, float], stop: asyncio.Event, warmup: float
) -> None:
    """A probe for every staff member, written as any use case writes its event."""

    def write(number: int) -> float:
        with db.uow() as uow, uow.atomic():
            publish(uow, PROBE_KIND, audience=Audience(staff=True), payload={"probe": number})
        return time.perf_counter()

    number = 0
    await asyncio.sleep(warmup + every)
    while not stop.is_set():
        number += 1
        # Taken just before the write (so no stream can deliver a probe not yet in ``sent``):
        # the delay measured includes the writing transaction and its commit.
        sent[number] = time.perf_counter()
        await asyncio.to_thread(write, number)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


async def run(
    bases: list[str], db: Database, tokens: list[str], accounts: list[int], args: argparse.Namespace
) -> tuple[Results, dict[int, float]]:
    results = Results()
    sent: dict[int, float] = {}
    stop = asyncio.Event()
    with db.uow() as uow:
        start = head(uow).token
    # Idle connections are dropped before the server's own keep-alive (5 s) ends them, as a
    # browser's are: otherwise a page sent just as the server closes the connection fails.
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=2, keepalive_expiry=2.0)
    clients = [
        httpx.AsyncClient(
            base_url=bases[i % len(bases)], headers={"Cookie": f"{COOKIE}={token}"},
            timeout=httpx.Timeout(30.0), limits=limits,
        )
        for i, token in enumerate(tokens)
    ]  # fmt: skip
    rng = random.Random(7)
    counted_from = time.perf_counter() + args.warmup
    tasks = [
        *(
            asyncio.create_task(hold_stream(c, i, start, sent, results, stop))
            for i, c in enumerate(clients)
        ),
        *(
            asyncio.create_task(
                open_pages(
                    c,
                    accounts,
                    args.interval,
                    results,
                    stop,
                    random.Random(rng.random()),
                    counted_from,
                )
            )
            for c in clients
        ),
        asyncio.create_task(send_probes(db, args.probe_every, sent, stop, args.warmup)),
    ]
    await asyncio.sleep(args.warmup + args.duration)
    stop.set()
    # The probes still on their way get up to ten seconds to arrive before the streams close;
    # what has not arrived by then counts as never delivered.
    for _ in range(100):
        if all(len(results.received.get(n, ())) == len(tokens) for n in sent):
            break
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()
    return results, sent


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def cpu_seconds(pid: int, *, with_children: bool = True) -> float:
    """User and system CPU time so far of a process and, ``with_children``, its living
    children: a server's worker processes (Linux; 0 elsewhere)."""
    fields = _stat(pid)
    if not fields:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    for entry in Path("/proc").iterdir() if with_children else ():
        if entry.name.isdigit() and entry.name != str(pid):
            child = _stat(int(entry.name))
            if child and child[1] == str(pid):
                ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def start_servers(
    count: int, workers: int, env: dict[str, str], workdir: Path
) -> list[tuple[subprocess.Popen[bytes], str]]:
    servers = []
    for n in range(count):
        port = free_port()
        log = (workdir / f"server-{n}.log").open("wb")
        process = subprocess.Popen(
            [CAREDESK, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=log,
        )
        servers.append((process, f"http://127.0.0.1:{port}"))
    for process, base in servers:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server at {base} stopped; see its log in {workdir}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server at {base} did not start")
            time.sleep(0.2)
    return servers


def report(
    args: argparse.Namespace,
    servers: int,
    results: Results,
    sent: dict[int, float],
    load: tuple[float, float],
) -> None:
    pages = [value for values in results.pages.values() for value in values]
    expected = len(sent) * args.agents
    delivered = sum(len(agents_) for agents_ in results.received.values())
    lost = max(0, expected - delivered)
    errors = results.page_errors + results.stream_errors + lost
    ms = 1000.0
    print(
        f"engine={args.engine} servers={servers} workers={args.workers} agents={args.agents} "
        f"duration={args.duration:.0f}s (after {args.warmup:.0f}s warm-up) "
        f"cores={os.cpu_count()} load_average={load[0]:.2f}->{load[1]:.2f}"
    )
    warm = results.warmup_pages
    if warm:
        print(
            f"  warm-up      n={len(warm)} p50={percentile(warm, 0.5) * 1000:.1f} ms "
            f"max={max(warm) * 1000:.1f} ms  (not counted)"
        )
    print(
        f"  pages        n={len(pages)} p50={percentile(pages, 0.5) * ms:.1f} ms "
        f"p99={percentile(pages, 0.99) * ms:.1f} ms  (goal p99 < 150 ms)"
    )
    for name, values in sorted(results.pages.items()):
        print(
            f"    {name:15s} n={len(values)} p50={percentile(values, 0.5) * ms:.1f} ms "
            f"p99={percentile(values, 0.99) * ms:.1f} ms"
        )
    print(
        f"  live events  probes={len(sent)} deliveries={delivered}/{expected} "
        f"p50={percentile(results.delays, 0.5) * ms:.0f} ms "
        f"p99={percentile(results.delays, 0.99) * ms:.0f} ms  (goal p99 < 1000 ms)"
    )
    print(
        f"  errors={errors} (pages {results.page_errors}, streams {results.stream_errors}, "
        f"probes never delivered {lost})"
    )
    for sample in results.error_samples:
        print(f"    e.g. {sample}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between pages")
    parser.add_argument("--probe-every", type=float, default=2.0, help="seconds between probes")
    parser.add_argument("--servers", type=int, default=0, help="server processes (0: per engine)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="worker processes per server"
    )
    parser.add_argument(
        "--warmup", type=float, default=10.0,
        help="seconds at the start whose pages and probes are not counted (every agent "
        "opening its stream at once)",
    )  # fmt: skip
    parser.add_argument("--accounts", type=int, default=200, help="demo accounts to load")
    parser.add_argument("--keep", help="a folder for the database and the server logs")
    parser.add_argument("--server-log-level", default="WARNING", help="INFO logs every request")
    args = parser.parse_args()
    servers = args.servers or (1 if args.engine == "sqlite" else 2)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        url, pg_name = fresh_database(args.engine, workdir, prefix="caredesk_webbench")
        env = {
            **os.environ,
            "CAREDESK_DATABASE_URL": url,
            "CAREDESK_LOG_LEVEL": args.server_log_level,
            "CAREDESK_SECRET_PEPPER_FILE": str(workdir / "secret-pepper"),
        }
        try:
            subprocess.run([CAREDESK, "db", "upgrade"], env=env, check=True, capture_output=True)
            demo = ["demo", "load", "--accounts", str(args.accounts), "--seed", "7", "--quiet"]
            subprocess.run([CAREDESK, *demo], env=env, check=True, capture_output=True)
            load_all_models()
            db = Database.connect(url, SystemClock())
            tokens = sign_in_agents(db, args.agents)
            with db.uow() as uow:
                accounts = [int(i) for i in uow.session.scalars(text("SELECT id FROM accounts"))]
            running = start_servers(servers, args.workers, env, workdir)
            load_before = os.getloadavg()[0]
            pids = [os.getpid(), *(process.pid for process, _ in running)]

            def cpu_of(pid: int) -> float:
                # The servers are this process's children, and counted apart.
                return cpu_seconds(pid, with_children=pid != os.getpid())

            cpu_before = [cpu_of(pid) for pid in pids]
            try:
                results, sent = asyncio.run(
                    run([b for _, b in running], db, tokens, accounts, args)
                )
                cpu = [cpu_of(pid) - was for pid, was in zip(pids, cpu_before, strict=True)]
            finally:
                for process, _ in running:
                    process.terminate()
                for process, _ in running:
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
            load_after = os.getloadavg()[0]
            db.engine.dispose()
        finally:
            if pg_name:
                drop_database(pg_name)
    report(args, servers, results, sent, (load_before, load_after))
    servers_cpu = " + ".join(f"{seconds:.1f}" for seconds in cpu[1:])
    print(f"  cpu seconds used: simulated agents {cpu[0]:.1f}, server(s) {servers_cpu}")


if __name__ == "__main__":
    main()
