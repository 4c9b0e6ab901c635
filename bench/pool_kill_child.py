"""Which Celery pool survives a killed child with the embedded (sqla+sqlite) broker?

Starts a real worker (`--pool prefork` or `--pool threads`, concurrency 2) on a fresh data directory, runs one
task, kill -9s one pool child (prefork; `--child N` picks which: the one blocked reading the pool's queue holds
its lock), sends 20 tasks and counts how many run within 60 s.

    .venv/bin/python bench/pool_kill_child.py prefork --child 1
    .venv/bin/python bench/pool_kill_child.py threads

Measured (2-core machine, under load): prefork, child 1 killed: 0 of 20 in 60 s, 18 messages left in the broker
(the replacement child waits on the lock the dead one held); prefork, child 0 killed: 20 of 20; threads: 20 of 20.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SEND = (
    "import django; django.setup()\n"
    "from reportal.reports.tasks import flush_outbox\n"
    "for _ in range({n}): flush_outbox.delay()"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pool", choices=["prefork", "threads"])
    parser.add_argument("--child", type=int, default=1, help="which prefork child to kill (0 or 1)")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix=f"pool-{args.pool}-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    env.update(REPORTAL_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="reportal.settings")
    subprocess.run([BIN / "reportal", "migrate", "-v0"], env=env, check=True, cwd=REPO)
    log_path = data / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [BIN / "celery", "-A", "reportal", "worker", "--pool", args.pool, "--concurrency", "2", "-l", "INFO"],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    children: list[str] = []
    try:
        time.sleep(8)
        subprocess.run([BIN / "python", "-c", SEND.format(n=1)], env=env, check=True, cwd=REPO)
        time.sleep(3)
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
        if args.pool == "prefork":
            print(f"killing pool child {children[args.child]}")
            os.kill(int(children[args.child]), signal.SIGKILL)
        else:
            print("threads pool: no child process to kill")
        time.sleep(2)
        subprocess.run([BIN / "python", "-c", SEND.format(n=20)], env=env, check=True, cwd=REPO)
        started = time.time()
        left = -1
        while time.time() - started < 60:
            with sqlite3.connect(data / "celery-broker.sqlite3") as broker:
                left = broker.execute("SELECT COUNT(*) FROM kombu_message WHERE visible = 1").fetchone()[0]
            if left == 0:
                break
            time.sleep(1)
        done = log_path.read_text().count("succeeded in") - 1
        print(
            f"pool={args.pool}: {done} of 20 tasks ran after the kill (within {time.time() - started:.0f} s); "
            f"{left} messages still waiting in the broker"
        )
    finally:
        worker.kill()
        worker.wait(20)
        for child in children:
            if Path(f"/proc/{child}").exists():
                os.kill(int(child), signal.SIGKILL)


if __name__ == "__main__":
    main()
