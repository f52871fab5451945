"""Bounded load test of a real ``briefing serve`` on 127.0.0.1: N users x T seconds, a rebuild midway.

    python benchmarks/load_test.py [--users 20] [--seconds 60] [--runs 3] [--rebuild-at 25]
                                   [--records 200] [--json results.json]

Starts ``briefing serve`` on a free port of 127.0.0.1 (never another host) over a temporary
copy of ``corpus/`` plus ``--records`` records of the State Department collection when it is
there, waits until it serves, then runs ``--runs`` rounds.  In each round ``--users``
threads, each a separate gradio_client session, ask questions back to back through the
``/chat`` endpoint for ``--seconds`` seconds; at ``--rebuild-at`` seconds one more client
uploads a document through ``/add_documents`` (an incremental rebuild while the users ask).
Every round reports requests, errors, p50/p95 latency, and the server's RSS before, at its
peak and after.  The run stops by itself (a hard deadline per round) and always stops the
server.  Exit code 1 when any request failed or the last round's peak RSS is more than
``--max-growth`` (default 10%) above the first round's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STATE_DEPT = REPO.parent / "shared" / "datasets" / "state-dept-press-releases" / "press_releases.jsonl"
HOST = "127.0.0.1"
START_TIMEOUT = 600

TEMPLATES = [
    "Did the US position on {0} change?",
    "What did the spokesperson say about {0}?",
    "Why did Washington comment on {0}?",
    "What did Turkey propose about {0}?",
    "What was announced about {0} in 2021?",
    "and what about {0}?",
    "Who discussed {0} with the Secretary?",
]
SUBJECTS = [
    "the S-400",
    "sanctions",
    "CAATSA",
    "NATO",
    "the F-35 programme",
    "Ukraine",
    "Greece",
    "Cyprus",
    "human rights",
    "the Black Sea",
    "energy security",
    "Syria",
    "refugees",
    "the embassy",
    "trade",
    "climate",
    "the G7",
    "Iran",
    "COVID-19 vaccines",
    "election observers",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB (from /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Server:
    """``briefing serve`` in a subprocess on 127.0.0.1, polled until it answers HTTP."""

    def __init__(self, work: Path, corpus: Path, port: int, log_path: Path):
        env = dict(
            os.environ,
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            TOKENIZERS_PARALLELISM="false",
            GRADIO_ANALYTICS_ENABLED="False",
            PYTHONUNBUFFERED="1",
        )
        self.url = f"http://{HOST}:{port}/"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "briefing.cli",
                "serve",
                "--corpus",
                str(corpus),
                "--index",
                str(work / "index"),
                "--host",
                HOST,
                "--port",
                str(port),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=work,
        )

    def wait_ready(self) -> float:
        started = time.monotonic()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"briefing serve exited with {self.process.returncode}:\n"
                    f"{self.log_path.read_text(errors='replace')[-3000:]}"
                )
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            if time.monotonic() - started > START_TIMEOUT:
                raise RuntimeError(f"briefing serve did not answer within {START_TIMEOUT} s")
            time.sleep(0.5)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def user(url: str, deadline: float, seed: int, latencies: list[float], errors: list[str], lock: threading.Lock):
    """One user: a gradio_client session asking questions back to back until ``deadline``."""
    from gradio_client import Client

    rng = random.Random(seed)
    try:
        client = Client(url, verbose=False)
    except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
        with lock:
            errors.append(f"connect: {type(error).__name__}: {error}")
        return
    while time.monotonic() < deadline:
        question = rng.choice(TEMPLATES).format(rng.choice(SUBJECTS))
        started = time.monotonic()
        try:
            transcript, cleared = client.predict(question, "", "", "All sources", 5, api_name="/chat")
            if cleared != "" or "bf-question" not in transcript:
                raise ValueError("unexpected reply")
        except Exception as error:  # noqa: BLE001
            with lock:
                errors.append(f"{type(error).__name__}: {str(error)[:200]}")
            continue
        with lock:
            latencies.append(time.monotonic() - started)
    try:
        client.close()
    except Exception:  # noqa: BLE001 - older clients have no close()
        pass


def rebuild(url: str, upload: Path, result: dict) -> None:
    """Upload one document through the UI's endpoint: an incremental rebuild while users ask."""
    from gradio_client import Client, handle_file

    started = time.monotonic()
    try:
        messages, *_ = Client(url, verbose=False).predict([handle_file(str(upload))], api_name="/add_documents")
        result["ok"] = "Index rebuilt" in messages
        result["message"] = messages[-300:]
    except Exception as error:  # noqa: BLE001
        result["ok"] = False
        result["message"] = f"{type(error).__name__}: {error}"
    result["seconds"] = round(time.monotonic() - started, 1)


def run_round(server: Server, number: int, args, upload_dir: Path) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    pid = server.process.pid
    rss_before = rss_mb(pid)
    peak = rss_before
    started = time.monotonic()
    deadline = started + args.seconds
    threads = [
        threading.Thread(
            target=user, args=(server.url, deadline, number * 1000 + i, latencies, errors, lock), daemon=True
        )
        for i in range(args.users)
    ]
    for thread in threads:
        thread.start()
    rebuild_result: dict = {}
    rebuild_thread = None
    upload = upload_dir / f"2024-01-0{number % 9 + 1} load test note {number}.md"
    upload.write_text(
        f"---\ntitle: Load test note {number}\ndate: 2024-01-0{number % 9 + 1}\n---\n"
        f"The load test round {number} added this note about harbour inspections.\n",
        encoding="utf-8",
    )
    while time.monotonic() < deadline + 60 and any(t.is_alive() for t in threads):
        if rebuild_thread is None and time.monotonic() - started >= args.rebuild_at:
            rebuild_thread = threading.Thread(target=rebuild, args=(server.url, upload, rebuild_result), daemon=True)
            rebuild_thread.start()
        peak = max(peak, rss_mb(pid))
        time.sleep(0.5)
    if rebuild_thread is not None:
        rebuild_thread.join(timeout=120)
    hung = sum(t.is_alive() for t in threads)
    if hung:
        errors.append(f"{hung} users still waiting for an answer 60 s after the end")
    time.sleep(2)
    rss_after = rss_mb(pid)
    return {
        "round": number,
        "users": args.users,
        "seconds": args.seconds,
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "p50_s": round(percentile(latencies, 0.5), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "rss_before_mb": round(rss_before),
        "rss_peak_mb": round(max(peak, rss_after)),
        "rss_after_mb": round(rss_after),
        "rebuild": rebuild_result,
    }


def make_corpus(target: Path, records: int) -> None:
    shutil.copytree(REPO / "corpus", target)
    if records and STATE_DEPT.exists():
        with (
            open(STATE_DEPT, encoding="utf-8") as source,
            open(target / "releases.jsonl", "w", encoding="utf-8") as out,
        ):
            for _, line in zip(range(records), source):
                out.write(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild-at", type=float, default=25, help="seconds into each round (negative: none)")
    parser.add_argument("--records", type=int, default=200, help="State Department records added to the corpus")
    parser.add_argument(
        "--max-growth", type=float, default=0.10, help="allowed growth of peak RSS, first to last round"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0 or args.runs < 1:
        parser.error("--users, --seconds and --runs must be positive")

    work = Path(tempfile.mkdtemp(prefix="briefing-load-"))
    make_corpus(work / "corpus", args.records)
    upload_dir = work / "uploads"
    upload_dir.mkdir()
    server = Server(work, work / "corpus", free_port(), work / "serve.log")
    results: dict = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "host": HOST, "rounds": []}
    try:
        results["startup_s"] = round(server.wait_ready(), 1)
        from gradio_client import Client

        Client(server.url, verbose=False).predict("warm up", "", "", "All sources", 5, api_name="/chat")
        results["rss_start_mb"] = round(rss_mb(server.process.pid))
        print(f"server up in {results['startup_s']} s on {server.url}, RSS {results['rss_start_mb']} MB", flush=True)
        for number in range(1, args.runs + 1):
            outcome = run_round(server, number, args, upload_dir)
            results["rounds"].append(outcome)
            print(json.dumps(outcome), flush=True)
    finally:
        server.stop()
        results["server_log_tail"] = server.log_path.read_text(errors="replace")[-2000:]
        shutil.rmtree(work, ignore_errors=True)
    rounds = results["rounds"]
    first_peak, last_peak = rounds[0]["rss_peak_mb"], rounds[-1]["rss_peak_mb"]
    growth = (last_peak - first_peak) / first_peak
    results["peak_growth"] = round(growth, 3)
    failed_requests = sum(r["errors"] for r in rounds)
    rebuilds_ok = all(r["rebuild"].get("ok", args.rebuild_at < 0) for r in rounds)
    results["passed"] = failed_requests == 0 and growth <= args.max_growth and rebuilds_ok
    print(
        f"requests {sum(r['requests'] for r in rounds)}, errors {failed_requests}, rebuilds ok {rebuilds_ok}; "
        f"peak RSS first {first_peak} MB, last {last_peak} MB ({growth:+.1%}); "
        f"{'PASS' if results['passed'] else 'FAIL'}",
        flush=True,
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
