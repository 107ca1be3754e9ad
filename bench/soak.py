"""Soak test: Accord under gunicorn, as `accord serve` runs it, asked at a steady rate for
minutes on end, watching errors, latency and the workers' memory.

    .venv/bin/python bench/soak.py --minutes 10          # PostgreSQL, database accord_bench
    .venv/bin/python bench/soak.py --quick               # a try in seconds; docs untouched

The database, the servers, the logins and the five URLs are those of bench/load.py (its
docstring says which). First wrk measures what the mix of the five URLs in turn sustains
(8 connections, 20 s); the soak then asks for them in turn at a fraction of that rate
(--fraction, 0.6), or at --rate requests per second.

The load is open-loop: request n is due at start + n / rate whether or not the earlier ones
have been answered, and its latency is counted from when it was due, so that a server that
falls behind shows it in the latency rather than by being asked less. A pool of client
threads (--clients, 16), each with a keep-alive connection, takes the due requests in order.
A response other than 200, a timeout (30 s) or a broken connection is an error. A connection
idle for 1.5 s is not used again (gunicorn closes it after 2 s); a request sent on a kept-alive
connection that the server closed all the same is sent once more on a new one, as browsers
do, and counted apart.

Every 10 seconds the resident memory (VmRSS) of each gunicorn worker is read from /proc.
Results, per minute: requests, errors, latency percentiles, the workers' memory; and for each
worker its memory in the first minute and in the last. Goal: no errors, memory flat.
"""

import argparse
import datetime as dt
import http.client
import queue
import statistics
import sys
import threading
import time
from dataclasses import dataclass

import web
from harness import machine_facts, write_section


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    web.add_arguments(parser, database="postgres")
    parser.add_argument("--minutes", type=float, default=10, help="Length of the soak (10).")
    parser.add_argument("--rate", type=float, help="Requests per second (default: measured).")
    parser.add_argument(
        "--fraction",
        type=float,
        default=0.6,
        help="Without --rate: this fraction of the measured capacity of the mix (0.6).",
    )
    parser.add_argument("--clients", type=int, default=16, help="Client threads (16).")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="A small database of its own, 30 s in 10 s periods, docs untouched.",
    )
    return parser.parse_args()


ARGS = parse_args()
PERIOD_SECONDS = 10.0 if ARGS.quick else 60.0  # the rows of the results
SAMPLE_SECONDS = 2.0 if ARGS.quick else 10.0  # how often memory is read
CAPACITY_SECONDS = 3.0 if ARGS.quick else 20.0
WARM_UP_SECONDS = 1.0 if ARGS.quick else 5.0
if ARGS.quick:
    ARGS.minutes = 0.5
SETUP = web.set_up(ARGS)


@dataclass
class Outcome:
    due: float  # seconds after the start
    target: int
    latency: float  # seconds, from when it was due to the end of the response
    status: int  # 0: no response
    error: str  # "" when answered 200
    resent: bool


# gunicorn closes a connection idle for 2 s (its --keep-alive); a client that knows it opens a
# new one rather than race the server's closing.
IDLE_SECONDS = 1.5


class KeptAliveClient:
    """One keep-alive connection to the server, opened again when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def get(self, target: web.Target) -> tuple[int, bool]:
        """(status, whether the request was sent again on a new connection)."""
        resent = False
        if time.monotonic() - self.last_used > IDLE_SECONDS:
            self.close()
        while True:
            fresh = self.connection is None
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request("GET", target.path, headers=target.headers)
                response = self.connection.getresponse()
                response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if fresh or resent:
                    raise
                resent = True  # the server closed the idle connection as we sent on it
                continue
            except BaseException:
                self.close()
                raise
            if response.will_close:
                self.close()
            self.last_used = time.monotonic()
            return response.status, resent

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def soak(
    server: web.Server, targets: list[web.Target], rate: float, seconds: float
) -> tuple[list[Outcome], list[tuple[float, int, int]], list[tuple[float, str]], float]:
    """Ask for the targets in turn at `rate` for `seconds`. Return the outcomes, the memory
    samples (seconds, pid, KiB), the load averages seen, and the largest delay between a
    request's being due and its being taken by a client thread."""
    due: queue.Queue[tuple[int, float] | None] = queue.Queue()
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.5
    latest_take = [0.0]

    def client() -> None:
        connection = KeptAliveClient(server.port)
        while (item := due.get()) is not None:
            number, due_at = item
            latest_take[0] = max(latest_take[0], time.monotonic() - due_at)
            target = number % len(targets)
            status, error, resent = 0, "", False
            try:
                status, resent = connection.get(targets[target])
                if status != 200:
                    error = f"status {status}"
            except Exception as exc:
                error = type(exc).__name__
            finished = time.monotonic()
            with lock:
                outcomes.append(
                    Outcome(due_at - start, target, finished - due_at, status, error, resent)
                )
        connection.close()

    memory: list[tuple[float, int, int]] = []
    loads: list[tuple[float, str]] = []
    stop = threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            now = time.monotonic() - start
            for pid in server.worker_pids():
                if (kib := web.rss_kib(pid)) is not None:
                    memory.append((now, pid, kib))
            loads.append((now, web.loadavg().split()[0]))
            stop.wait(SAMPLE_SECONDS)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(ARGS.clients)]
    for thread in threads:
        thread.start()
    while time.monotonic() < start:
        time.sleep(0.01)
    memory_thread = threading.Thread(target=sampler, daemon=True)
    memory_thread.start()
    total = int(rate * seconds)
    last_report = start
    for number in range(total):
        due_at = start + number / rate
        if (pause := due_at - time.monotonic()) > 0:
            time.sleep(pause)
        due.put((number, due_at))
        if time.monotonic() - last_report >= PERIOD_SECONDS:
            last_report += PERIOD_SECONDS
            with lock:
                errors = sum(1 for outcome in outcomes if outcome.error)
                done = len(outcomes)
            print(
                f"{time.monotonic() - start:5.0f} s: {done:,} answered, {errors} errors, "
                f"load {web.loadavg().split()[0]}",
                file=sys.stderr,
            )
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    stop.set()
    memory_thread.join()
    return outcomes, memory, loads, latest_take[0]


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def period_rows(outcomes: list[Outcome], memory: list[tuple[float, int, int]]) -> list[str]:
    periods = max(1, round(ARGS.minutes * 60 / PERIOD_SECONDS))
    rows = []
    for number in range(periods):
        low, high = number * PERIOD_SECONDS, (number + 1) * PERIOD_SECONDS
        inside = [
            o for o in outcomes if low <= o.due < high or (number == periods - 1 and o.due >= high)
        ]
        if not inside:
            continue
        latencies = [o.latency for o in inside]
        samples = [kib for when, _pid, kib in memory if low <= when < high]
        by_worker = {}
        for when, pid, kib in memory:
            if low <= when < high:
                by_worker.setdefault(pid, []).append(kib)
        worker_mb = " / ".join(
            f"{statistics.mean(values) / 1024:.0f}" for _pid, values in sorted(by_worker.items())
        )
        rows.append(
            f"| {number + 1} | {len(inside):,} | {len(inside) / PERIOD_SECONDS:.1f} | "
            f"{sum(1 for o in inside if o.error)} | {sum(1 for o in inside if o.resent)} | "
            f"{ms(percentile(latencies, 0.5))} | {ms(percentile(latencies, 0.9))} | "
            f"{ms(percentile(latencies, 0.99))} | {ms(max(latencies))} | "
            f"{worker_mb if samples else '-'} |"
        )
    return rows


def worker_rows(memory: list[tuple[float, int, int]], seconds: float) -> list[str]:
    """Each worker's memory in the first period and the last, in MiB."""
    first_end, last_start = PERIOD_SECONDS, seconds - PERIOD_SECONDS
    rows = []
    for pid in sorted({pid for _when, pid, _kib in memory}):
        mine = [(when, kib) for when, worker, kib in memory if worker == pid]
        first = [kib for when, kib in mine if when < first_end]
        last = [kib for when, kib in mine if when >= last_start]
        peak = max(kib for _when, kib in mine)
        first_mb = statistics.mean(first) / 1024 if first else float("nan")
        last_mb = statistics.mean(last) / 1024 if last else float("nan")
        rows.append(
            f"| {pid} | {first_mb:.1f} | {last_mb:.1f} | {last_mb - first_mb:+.1f} | "
            f"{peak / 1024:.1f} | {len(mine)} |"
        )
    return rows


def target_rows(outcomes: list[Outcome], targets: list[web.Target]) -> list[str]:
    rows = []
    for number, target in enumerate(targets):
        mine = [o for o in outcomes if o.target == number]
        latencies = [o.latency for o in mine]
        failures = [o.error for o in mine if o.error]
        rows.append(
            f"| {target.label} `{target.path}` | {len(mine):,} | "
            f"{ms(percentile(latencies, 0.5))} | {ms(percentile(latencies, 0.99))} | "
            f"{ms(max(latencies))} | {len(failures)}"
            f"{f' ({failures[0]})' if failures else ''} |"
        )
    return rows


def main() -> None:
    started = dt.datetime.now(dt.UTC)
    load_before = web.loadavg()
    filled = web.prepare(institutions=ARGS.institutions, agreements=ARGS.agreements, seed=ARGS.seed)
    who = web.subjects()
    server = web.Server("accord-soak", "accord.wsgi", SETUP.var_dir / "load")
    try:
        server.start("/healthz")
        targets = [target for target in web.accord_targets(server.base, who) if target.in_mix]
        for target in targets:
            target.check(server.base)
        web.wrk(server.base, targets, connections=8, seconds=WARM_UP_SECONDS)
        capacity = web.wrk(server.base, targets, connections=8, seconds=CAPACITY_SECONDS)
        if capacity.errors:
            raise SystemExit(f"The mix failed under wrk: {capacity.errors} errors")
        rate = ARGS.rate or round(ARGS.fraction * capacity.rps, 1)
        seconds = ARGS.minutes * 60
        print(
            f"mix: {capacity.rps:.1f} rps under wrk; soaking at {rate} rps for {seconds:.0f} s",
            file=sys.stderr,
        )
        workers_before = server.worker_pids()
        outcomes, memory, loads, latest_take = soak(server, targets, rate, seconds)
        workers_after = server.worker_pids()
    finally:
        server.stop()

    errors = [o for o in outcomes if o.error]
    latencies = [o.latency for o in outcomes]
    load_values = [float(value) for _when, value in loads]
    rate_source = (
        f"--rate {ARGS.rate}"
        if ARGS.rate
        else f"{ARGS.fraction:.0%} of the {capacity.rps:.1f} rps wrk measured for the mix "
        f"(8 connections, {CAPACITY_SECONDS:.0f} s; p50 {capacity.p50_ms:.0f} ms, "
        f"p99 {capacity.p99_ms:.0f} ms)"
    )
    extra = [f"--minutes {ARGS.minutes:g}"]
    if ARGS.rate:
        extra.append(f"--rate {ARGS.rate:g}")
    elif ARGS.fraction != 0.6:
        extra.append(f"--fraction {ARGS.fraction:g}")
    facts = dict(machine_facts())
    restarted = sorted(set(workers_after) ^ set(workers_before))
    lines = [
        f"<!-- bench:soak:{SETUP.engine} -->",
        f"### Soak, {SETUP.engine}",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {facts['Machine'].split(';')[0]}, shared with other work: load average "
        f"{load_before} (1, 5, 15 min) before the run; during the soak (1 min) "
        f"{min(load_values):.2f}-{max(load_values):.2f}, mean {statistics.mean(load_values):.2f}",
        f"- Software: Accord at {SETUP.source}; {facts['Software']}; gunicorn as "
        f"`accord serve` runs it, {server.settings}",
        f"- Data: {who.data}; {filled}",
        f"- URLs: those of the load benchmark, in turn ({', '.join(t.path for t in targets)})",
        f"- Rate: {rate} requests/s, {rate_source}; {ARGS.clients} client threads; the "
        f"latest a due request waited for a client thread: {latest_take * 1000:.0f} ms",
        f"- Command: `{web.command_line('soak.py', SETUP, ARGS, *extra)}`",
        "",
        f"**{len(outcomes):,} requests in {seconds / 60:g} minutes, {len(errors)} errors**"
        f"{f' (first: {errors[0].error})' if errors else ''}; "
        f"{sum(1 for o in outcomes if o.resent)} sent again after the server closed an idle "
        f"connection; latency p50 {ms(percentile(latencies, 0.5))} ms, p99 "
        f"{ms(percentile(latencies, 0.99))} ms, max {ms(max(latencies))} ms; gunicorn workers "
        + (f"replaced during the soak: {restarted}" if restarted else "never replaced")
        + ".",
        "",
        f"| {'minute' if PERIOD_SECONDS == 60 else f'{PERIOD_SECONDS:.0f} s period'} | "
        "requests | per s | errors | sent again | p50 ms | p90 ms | p99 ms | max ms | "
        "workers' memory MiB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *period_rows(outcomes, memory),
        "",
        "| URL | requests | p50 ms | p99 ms | max ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *target_rows(outcomes, targets),
        "",
        f"Memory of each worker (VmRSS, read every {SAMPLE_SECONDS:.0f} s), mean of the first "
        f"{'minute' if PERIOD_SECONDS == 60 else 'period'} and of the last:",
        "",
        "| worker pid | first MiB | last MiB | change MiB | peak MiB | samples |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        *worker_rows(memory, seconds),
        f"<!-- /bench:soak:{SETUP.engine} -->",
    ]
    text = "\n".join(lines)
    print(text)
    if not ARGS.no_write:
        write_section(f"soak:{SETUP.engine}", text)
        print(f"Written to {web.ROOT / 'docs' / 'benchmarks.md'}", file=sys.stderr)
    if errors or restarted:
        raise SystemExit("The soak saw errors or replaced workers: see above.")


if __name__ == "__main__":
    main()
