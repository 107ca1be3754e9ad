"""Load benchmark: Accord under gunicorn, as `accord serve` runs it, driven by wrk, next to a
bare Django view under the same gunicorn settings.

    .venv/bin/python bench/load.py                       # SQLite in var/bench/
    .venv/bin/python bench/load.py --database postgres   # database accord_bench
    .venv/bin/python bench/load.py --quick               # a try in seconds; docs untouched

The database is bench/run.py's (filled by `accord generate` with 10,000 institutions and
100,000 agreements when empty), with the demo loaded into it. Two gunicorns run side by side:
Accord (`accord.wsgi`) and a bare Django project (bench/bare_view: no middleware, one view
that reads 20 institutions with one query and renders them with a small template), each with
the worker class, workers and threads `accord serve` uses (ACCORD_WEB_WORKERS and
ACCORD_WEB_THREADS apply to both). Each Accord URL is loaded in turn with the bare view
(Accord URL, bare view, next URL, bare view, ...), round after round, so that a busy moment of
the shared machine weighs on both; last comes the mix of all five Accord URLs in turn.

Signed-in pages carry the cookies of a login made through the login form; the API list carries
a fresh API token. Every URL is asked once before the load and must answer 200; under load,
any response that is not 2xx counts as an error (wrk_report.lua), as do socket errors and
timeouts (10 s). Results go to docs/benchmarks.md, one section per database engine.
"""

import argparse
import datetime as dt
import statistics
import sys
from dataclasses import dataclass, field

import web
from harness import machine_facts, write_section


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    web.add_arguments(parser, database="sqlite")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8).")
    parser.add_argument("--seconds", type=float, default=20, help="Seconds per wrk run (20).")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds over the URLs (3).")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="A small database of its own (var/bench-quick, accord_bench_quick), one round "
        "of 2 s runs, docs untouched.",
    )
    return parser.parse_args()


ARGS = parse_args()
if ARGS.quick:
    ARGS.rounds, ARGS.seconds = 1, 2.0
SETUP = web.set_up(ARGS)
ENGINE = SETUP.engine
WARM_UP_SECONDS = 1.0 if ARGS.quick else 3.0


@dataclass
class Line:
    """One URL's runs, each beside the bare view's run that followed it."""

    target: web.Target
    size: int
    accord: list[web.WrkResult] = field(default_factory=list)
    bare: list[web.WrkResult] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """How many times the bare view's rate Accord's is, the median over the rounds."""
        return statistics.median(
            bare.rps / accord.rps if accord.rps else float("inf")
            for accord, bare in zip(self.accord, self.bare, strict=True)
        )


def median(results: list[web.WrkResult], attribute: str) -> float:
    return statistics.median(getattr(result, attribute) for result in results)


def row(line: Line) -> str:
    accord, bare = line.accord, line.bare
    errors = sum(result.errors for result in accord)
    first_bad = next((r.first_bad_status for r in accord if r.first_bad_status), "")
    timeouts = sum(result.timeouts for result in accord)
    unanswered = sum(result.unanswered for result in accord)
    kinds = [f"first status {first_bad}"] if first_bad else []
    kinds += [f"{timeouts} timeouts"] if timeouts else []
    kinds += [f"{unanswered} unanswered in a whole run"] if unanswered else []
    if errors > timeouts + unanswered + sum(r.non2xx for r in accord):
        kinds.append("socket errors")
    error_cell = f"**{errors}** ({', '.join(kinds)})" if errors else "0"
    # wrk leaves out of its latencies the responses later than its timeout.
    answered_in_time = [r for r in accord if r.requests > r.timeouts + r.unanswered]
    latency_cells = (
        f"{median(answered_in_time, 'p50_ms'):.1f} | {median(answered_in_time, 'p99_ms'):.1f}"
        if answered_in_time
        else f"over {web.TIMEOUT_SECONDS * 1000:,} | over {web.TIMEOUT_SECONDS * 1000:,}"
    )
    return (
        f"| {line.target.label} `{line.target.path}` | {line.size / 1024:.1f} | "
        f"{median(accord, 'rps'):.0f} | {median(bare, 'rps'):.0f} | {line.ratio:.1f} | "
        f"{latency_cells} | "
        f"{median(bare, 'p50_ms'):.1f} | {median(bare, 'p99_ms'):.1f} | "
        f"{sum(r.requests for r in accord):,} | {error_cell} |"
    )


def run_rounds(
    accord: web.Server, bare: web.Server, targets: list[web.Target]
) -> tuple[list[Line], list[str]]:
    """Every target, then the mix, each followed by the bare view, round after round; with
    the load averages seen after each run."""
    mixed = [target for target in targets if target.in_mix]
    mix = web.Target(f"the {len(mixed)} above in turn", "(mixed)")
    lines = [Line(target, target.check(accord.base)) for target in targets]
    sizes = [line.size for line in lines if line.target.in_mix]
    lines.insert(len(mixed), Line(mix, round(statistics.mean(sizes))))
    web.BARE.check(bare.base)
    loads = []

    def load(server: web.Server, line_targets: list[web.Target], seconds: float) -> web.WrkResult:
        result = web.wrk(server.base, line_targets, connections=ARGS.connections, seconds=seconds)
        loads.append(web.loadavg().split()[0])
        return result

    for target in [*targets, web.BARE]:
        server = bare if target is web.BARE else accord
        load(server, [target], WARM_UP_SECONDS)
    for number in range(1, ARGS.rounds + 1):
        for line in lines:
            line_targets = mixed if line.target is mix else [line.target]
            accord_result = load(accord, line_targets, ARGS.seconds)
            bare_result = load(bare, [web.BARE], ARGS.seconds)
            line.accord.append(accord_result)
            line.bare.append(bare_result)
            print(
                f"round {number}: {line.target.label}: {accord_result.rps:.0f} rps "
                f"(p50 {accord_result.p50_ms:.1f} ms, p99 {accord_result.p99_ms:.1f} ms, "
                f"{accord_result.errors} errors); bare {bare_result.rps:.0f} rps; "
                f"load {loads[-1]}",
                file=sys.stderr,
            )
    return lines, loads


def main() -> None:
    started = dt.datetime.now(dt.UTC)
    load_before = web.loadavg()
    filled = web.prepare(institutions=ARGS.institutions, agreements=ARGS.agreements, seed=ARGS.seed)
    who = web.subjects()
    log_dir = SETUP.var_dir / "load"
    accord = web.Server("accord", "accord.wsgi", log_dir)
    bare = web.Server(
        "bare", "bare_view.wsgi", log_dir, env={"DJANGO_SETTINGS_MODULE": "bare_view.settings"}
    )
    try:
        accord.start("/healthz")
        bare.start("/bare/")
        targets = web.accord_targets(accord.base, who)
        lines, loads = run_rounds(accord, bare, targets)
    finally:
        accord.stop()
        bare.stop()

    bare_errors = sum(result.errors for line in lines for result in line.bare)
    command = web.command_line("load.py", SETUP, ARGS)
    facts = dict(machine_facts())
    lines_out = [
        f"<!-- bench:load:{ENGINE} -->",
        f"### Load, {ENGINE}",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {facts['Machine'].split(';')[0]}, shared with other work: load average "
        f"{load_before} (1, 5, 15 min) before the run, "
        f"{min(loads, key=float)}-{max(loads, key=float)} (1 min) after its wrk runs",
        f"- Software: Accord at {SETUP.source}; {facts['Software']}; gunicorn as "
        f"`accord serve` runs it, {accord.settings}; wrk {ARGS.connections} connections, "
        "2 threads, on the same machine",
        f"- Data: {who.data}; {filled}",
        f"- Agreement page: {who.page_agreement_title} (id {who.page_agreement_id}), as "
        f"`{who.page_officer}`; public page of {who.page_institution_name} "
        f"({who.page_institution_public:,} active public agreements); list and API as an "
        f"officer of {who.busiest_name} ({who.busiest_agreements:,} agreements), whose "
        f"public page lists {who.busiest_public:,}",
        f"- Command: `{command}` ({ARGS.rounds} round{'s' if ARGS.rounds > 1 else ''} of "
        f"{ARGS.seconds:.0f} s per URL, after "
        f"a {WARM_UP_SECONDS:.0f} s warm-up of each; medians over the rounds)",
        "",
        "| URL | KiB | Accord rps | bare rps | bare / Accord | Accord p50 ms | "
        "Accord p99 ms | bare p50 ms | bare p99 ms | Accord requests | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(row(line) for line in lines),
        "",
        f"Errors are responses other than 2xx plus socket errors and timeouts, summed over the "
        f"rounds; the bare view's runs had {bare_errors}. KiB: the size of the response body "
        "(for the mix, their mean). wrk leaves the responses later than its timeout out of its "
        "latencies: a row with timeouts shows the latencies of the others, or `over 10,000`.",
        f"<!-- /bench:load:{ENGINE} -->",
    ]
    text = "\n".join(lines_out)
    print(text)
    if not ARGS.no_write:
        write_section(f"load:{ENGINE}", text)
        print(f"Written to {web.ROOT / 'docs' / 'benchmarks.md'}", file=sys.stderr)
    if any(result.errors for line in lines for result in line.accord):
        raise SystemExit("Some requests failed: see the errors column.")


if __name__ == "__main__":
    main()
