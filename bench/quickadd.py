"""Quick-add benchmark (issue 10): in Chromium, the time from saving an entry in the quick-add modal
to the entry being in the timeline, against a bare authenticated round trip through both services
in the same run (the status bar's fragment: one frontend request that makes one backend call).
Target: the save's median at most 3x the round trip's median, and at most 200 ms.

    .venv/bin/python bench/quickadd.py             # or: ./dev bench:quickadd
    .venv/bin/python bench/quickadd.py --rounds 30  # a quicker look

What one run does, all on 127.0.0.1 and all torn down at the end (also on Ctrl-C or an error):

1. starts its own PostgreSQL cluster with durable settings and a Redis (bench/services.py),
   migrates the backend with the production settings, creates a person with a password and their
   workspace, and logs `--entries` entries for them over the last 60 days (the timeline's first
   page is full from the start);
2. gives the frontend's sessions a database of their own on the same server (as
   docker-compose.yml does), migrates it and collects the static files with the frontend's
   production settings (whitenoise, as the frontend image serves them);
3. starts both services with gunicorn as their images run them (2 sync workers each, production
   settings, plain HTTP on 127.0.0.1);
4. signs the person in through the frontend's page in Chromium (Debian's, headless, the e2e
   arguments), opens the timeline, then runs warm-up rounds and measured rounds. Each round
   measures, in shuffled order, with the page's own clock (performance.now()):
   - the baseline: `fetch("/status-bar/")` from the page until its body is read;
   - the save: with the modal open and the text typed (not timed), from `requestSubmit()` on the
     form (what Ctrl+Enter does) until the new entry's text is in `#timeline-entries`;
5. counts the requests each service received during the measured rounds (their access logs), prints
   medians, p95 and the ratio, and writes everything as JSON to bench/results/quickadd-<time>.json.
   Exits 1 if the target is not met.
"""

import argparse
import contextlib
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
from common import (
    ROOT,
    VENV_BIN,
    gunicorn,
    migrated_backend,
    report_end,
    report_start,
    run_benchmark,
    say,
    write_report,
)
from services import free_port, stop_process

FRONTEND = ROOT / "frontend"
TARGET_RATIO = 3.0
TARGET_MS = 200.0
EMAIL = "quickadd@example.com"
# What e2e/conftest.py launches Chromium with: without these it tries to reach the internet.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EMPLOYERS = {"Acme": ["Billing", "Search"], "Globex": ["Atlas", "Onboarding"]}
TAGS = ["python", "release", "review", "incident", "mentoring", "sql"]
WORDS = ["Shipped", "Reviewed", "Fixed", "Planned", "Paired on", "Documented", "Tested", "Deployed"]
THINGS = ["the invoice export", "the search ranking", "the release checklist", "the on-call runbook"]

# The page's own clock around a bare round trip through both services.
BASELINE_JS = """async (url) => {
  const started = performance.now();
  const response = await fetch(url, {credentials: "same-origin"});
  await response.text();
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return performance.now() - started;
}"""
# The page's own clock from the save to the entry's text in the timeline: a MutationObserver sees
# it the moment it is inserted (by the save's answer, out of band, or by a reload of the entries).
SAVE_JS = """async (content) => {
  const form = document.getElementById("quick-add-form");
  const main = document.getElementById("main");
  return await new Promise((resolve, reject) => {
    let started = 0;
    const observer = new MutationObserver(() => {
      const entries = document.getElementById("timeline-entries");
      if (entries && entries.textContent.includes(content)) {
        const elapsed = performance.now() - started;
        observer.disconnect();
        clearTimeout(timer);
        // Where the time went: the browser's requests since the save, relative to its start.
        const requests = performance.getEntriesByType("resource")
          .filter((entry) => entry.startTime >= started)
          .map((entry) => ({
            path: new URL(entry.name).pathname,
            start: entry.startTime - started,
            end: entry.responseEnd - started,
          }));
        performance.clearResourceTimings();
        resolve({elapsed, requests});
      }
    });
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error("the entry was not in the timeline after 10 s"));
    }, 10000);
    observer.observe(main, {childList: true, subtree: true, characterData: true});
    started = performance.now();
    form.requestSubmit();
  });
}"""


# --- figures ----------------------------------------------------------------------------------
def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(statistics.quantiles(values, n=100, method="inclusive")[94], 2),
        "mean_ms": round(statistics.fmean(values), 2),
        "min_ms": round(min(values), 2),
        "max_ms": round(max(values), 2),
    }


# Both servers log each request as `"<request line>" <status> <microseconds>`.
ACCESS_LOG_FORMAT = '"%(r)s" %(s)s %(D)s'
ACCESS_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD) ([^ ?"]+)[^ "]* HTTP/[0-9.]+" (\d{3}) (\d+)')


def requests_in(log_path: Path, start: int) -> dict[str, list[float]]:
    """The milliseconds each request took the server, by "<method> <path>", in a gunicorn access
    log after byte `start`."""
    with log_path.open("rb") as log:
        log.seek(start)
        text = log.read().decode(errors="replace")
    served: dict[str, list[float]] = {}
    for method, path, _status, microseconds in ACCESS_LINE.findall(text):
        served.setdefault(f"{method} {path}", []).append(int(microseconds) / 1000)
    return served


def phases(requests: list[dict], visible: float) -> dict | None:
    """A save's time in phases, from the browser's resource timings: the save's request, then until
    the entry is in the timeline (the answer's swaps). Should the timeline reload itself instead
    (a filtered one does), that part is split into the wait for the reload's request, the request,
    and its swap."""
    posts = [item for item in requests if item["path"] == "/entries/new/"]
    reloads = [item for item in requests if item["path"] == "/timeline/"]
    if len(posts) != 1 or len(reloads) > 1:
        return None
    saved = posts[0]["end"]
    if not reloads:
        return {"save_request": saved, "until_visible": visible - saved}
    reload = reloads[0]
    return {
        "save_request": saved,
        "until_reload_starts": reload["start"] - saved,
        "reload_request": reload["end"] - reload["start"],
        "until_visible": visible - reload["end"],
    }


# --- set-up ------------------------------------------------------------------------------------
def create_person(*, password: str, entries: int, seed: int) -> None:
    """The person who signs in, their workspace, and their earlier entries (newest first on the
    timeline: today's saves go on top)."""
    from afterresume.accounts.models import User
    from afterresume.accounts.timezones import today_for
    from afterresume.tenants.services import tenant_create_with_owner
    from afterresume.worklogs.services import worklog_create

    user = User.objects.create_user(EMAIL, password=password, display_name="Quick Adder")
    tenant = tenant_create_with_owner(owner=user, name="Quick-add bench")
    rng = random.Random(seed)
    today = today_for(user)
    for _ in range(entries):
        employer = rng.choice(list(EMPLOYERS))
        worklog_create(
            tenant=tenant,
            author=user,
            date=today - timedelta(days=rng.randint(1, 60)),
            content=f"{rng.choice(WORDS)} {rng.choice(THINGS)}",
            employer=employer,
            project=rng.choice(EMPLOYERS[employer]),
            tags=rng.sample(TAGS, rng.randint(0, 3)),
        )


def frontend_environment(*, database_url: str, backend_url: str, run_dir: Path) -> dict:
    """The frontend's production settings on plain HTTP, its sessions in its own database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "BACKEND_URL": backend_url,
        "BACKEND_PUBLIC_URL": backend_url,
        "AFTERRESUME_RUN_DIR": str(run_dir),
        "AFTERRESUME_IGNORE_DOTENV": "1",
        "LOG_LEVEL": "WARNING",
    }


def prepare_frontend(env: dict, stack: contextlib.ExitStack) -> None:
    """Its sessions' tables, and its static files collected where its settings serve them from
    (frontend/staticfiles/, which git ignores; removed again when the run ends unless it was there
    before)."""
    static_root = FRONTEND / "staticfiles"
    if not static_root.exists():
        stack.callback(shutil.rmtree, static_root, True)
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *command], cwd=FRONTEND, env=env, check=True, timeout=300
        )


@contextlib.contextmanager
def frontend_gunicorn(port: int, log_path: Path, env: dict) -> Iterator[subprocess.Popen]:
    """gunicorn serving the frontend as its image runs it (2 sync workers, an access log), answering
    /health/ when the block starts and stopped when it ends."""
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
    ]
    if Path("/dev/shm").is_dir():
        command += ["--worker-tmp-dir", "/dev/shm"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=FRONTEND, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"frontend gunicorn exited:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/health/", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"frontend not healthy within 60 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        stop_process(server, 20)


# --- the measurement ---------------------------------------------------------------------------
def measure(frontend_url: str, password: str, *, rounds: int, warmup: int, seed: int, on_measuring) -> dict:
    from playwright.sync_api import expect, sync_playwright

    rng = random.Random(seed + 1)
    timings: dict[str, list[float]] = {"baseline": [], "save": []}
    parts: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(frontend_url + "/signin/")
            page.get_by_label("Email").fill(EMAIL)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(frontend_url + "/")
            page.goto(frontend_url + "/timeline/")
            modal = page.locator("#quick-add")
            content_box = modal.locator("textarea[name=content]")
            expect(page.locator("#timeline-entries .timeline-entry").first).to_be_visible()
            expect(content_box).to_be_attached()

            saved: list[str] = []

            def baseline(number: int) -> float:
                return page.evaluate(BASELINE_JS, "/status-bar/")

            def save(number: int) -> float:
                content = f"Benchmark entry {number}: {rng.choice(WORDS)} {rng.choice(THINGS)}"
                saved.append(content)
                expect(modal).to_be_hidden()
                page.keyboard.press("n")
                expect(content_box).to_be_focused()
                content_box.fill(content)
                measured = page.evaluate(SAVE_JS, content)
                split = phases(measured["requests"], measured["elapsed"])
                if number >= warmup and split is not None:
                    for name, value in split.items():
                        parts.setdefault(name, []).append(value)
                return measured["elapsed"]

            kinds = {"baseline": baseline, "save": save}
            order = list(kinds)
            for number in range(warmup + rounds):
                if number == warmup:
                    on_measuring()
                rng.shuffle(order)
                for kind in order:
                    elapsed = kinds[kind](number)
                    if number >= warmup:
                        timings[kind].append(elapsed)
                if number >= warmup and (number - warmup + 1) % 25 == 0:
                    say(f"  {number - warmup + 1} rounds")
            # What the person sees at the end: the last entry on top, the modal closed.
            expect(modal).to_be_hidden()
            shown = page.locator("#timeline-entries .timeline-entry").first.inner_text()
        finally:
            browser.close()
    if saved[-1] not in shown:
        raise RuntimeError(f"the timeline's first entry is not the last one saved: {shown[:200]}")
    return {
        "timings": {kind: summary(values) for kind, values in timings.items()},
        "save_phases": {name: summary(values) for name, values in parts.items()},
    }


# --- the run -------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    report = report_start("quickadd")
    password = secrets.token_urlsafe(24)
    with contextlib.ExitStack() as stack, migrated_backend(report) as (services, run_dir):
        from django.db import connection, connections

        say(f"Creating the person and {args.entries} earlier entries …")
        create_person(password=password, entries=args.entries, seed=args.seed)
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE afterresume_frontend")
        connections.close_all()

        backend_port, frontend_port = free_port(), free_port()
        backend_url, frontend_url = f"http://127.0.0.1:{backend_port}", f"http://127.0.0.1:{frontend_port}"
        frontend_env = frontend_environment(
            database_url=services.database_url.rsplit("/", 1)[0] + "/afterresume_frontend",
            backend_url=backend_url,
            run_dir=run_dir / "frontend",
        )
        say("Migrating the frontend's sessions database and collecting its static files …")
        prepare_frontend(frontend_env, stack)

        backend_log, frontend_log = run_dir / "backend.log", run_dir / "frontend.log"
        marks: dict[str, int] = {}

        def on_measuring() -> None:
            marks.update(backend=backend_log.stat().st_size, frontend=frontend_log.stat().st_size)

        say(
            f"Starting the backend ({backend_url}) and the frontend ({frontend_url}): gunicorn, 2 sync workers each …"
        )
        with (
            gunicorn(backend_port, backend_log, access_log_format=ACCESS_LOG_FORMAT),
            frontend_gunicorn(frontend_port, frontend_log, frontend_env),
        ):
            say(f"Measuring in Chromium: {args.warmup} warm-up rounds, then {args.rounds} rounds …")
            measured = measure(
                frontend_url,
                password,
                rounds=args.rounds,
                warmup=args.warmup,
                seed=args.seed,
                on_measuring=on_measuring,
            )
        served = {
            "backend": requests_in(backend_log, marks["backend"]),
            "frontend": requests_in(frontend_log, marks["frontend"]),
        }

    results, save_phases = measured["timings"], measured["save_phases"]
    saves = results["save"]["n"]
    ratio = round(results["save"]["median_ms"] / results["baseline"]["median_ms"], 2)
    met = ratio <= TARGET_RATIO and results["save"]["median_ms"] <= TARGET_MS
    report["setup"] = {
        "rounds": args.rounds,
        "warmup": args.warmup,
        "entries_before": args.entries,
        "servers": "gunicorn, 2 sync workers each, production settings, plain HTTP on 127.0.0.1",
        "browser": f"{CHROMIUM}, headless",
        "baseline": "fetch('/status-bar/') from the page: one frontend request, one backend call",
        "save": "requestSubmit() of the quick-add form until the entry's text is in #timeline-entries",
    }
    report["results"] = results
    report["save_phases"] = save_phases
    report["ratio_of_medians"] = ratio
    # Per service, each kind of request it served during the measured rounds: how many, and the
    # server's own time (the status bar's own polling, every 30 s, is among them).
    report["served"] = {
        service: {
            request: {"per_save": round(len(times) / saves, 2), **summary(times)}
            for request, times in sorted(requests.items(), key=lambda item: -len(item[1]))
        }
        for service, requests in served.items()
    }
    report["target"] = {
        "what": f"save median <= {TARGET_RATIO:g}x the baseline's median and <= {TARGET_MS:.0f} ms",
        "met": met,
    }
    report_end(report, began)

    say(f"\nResults ({saves} rounds, {report['machine']['nproc']} CPUs):\n")
    say(f"{'':<56} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'min ms':>8} {'max ms':>8}")
    rows = [
        ("baseline: GET /status-bar/ (1 backend call)", results["baseline"]),
        ("quick-add save -> entry in the timeline", results["save"]),
        *((f"  save phase: {name.replace('_', ' ')}", figures) for name, figures in save_phases.items()),
    ]
    for label, figures in rows:
        say(
            f"{label:<56} {figures['n']:>4} {figures['median_ms']:>10.1f} {figures['p95_ms']:>8.1f} "
            f"{figures['min_ms']:>8.1f} {figures['max_ms']:>8.1f}"
        )
    say(f"\nRatio of the medians (save / baseline): {ratio:.2f}")
    say("\nRequests served during the measured rounds (per save; the server's own median time):")
    for service, requests in report["served"].items():
        for request, figures in requests.items():
            say(f"  {service:<9} {request:<40} {figures['per_save']:>5.2f}  {figures['median_ms']:>7.1f} ms")
    say(f"\nTarget ({report['target']['what']}): {'MET' if met else 'NOT MET'}")
    write_report(report)
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100, help="measured rounds (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="rounds before measuring (default 10)")
    parser.add_argument("--entries", type=int, default=200, help="entries logged before (default 200)")
    parser.add_argument("--seed", type=int, default=10, help="RNG seed")
    args = parser.parse_args()
    if not 10 <= args.rounds <= 2_000 or not 0 <= args.entries <= 100_000:
        parser.error("--rounds must be 10..2,000 and --entries 0..100,000")
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    return run_benchmark(run, args)


if __name__ == "__main__":
    raise SystemExit(main())
