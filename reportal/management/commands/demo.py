"""`reportal demo`: one command from a fresh checkout to running portals, workbench, API and worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

DEMO_ANALYST = "demo-analyst"


class Command(BaseCommand):
    help = "Migrate, load the demo portals, create a demo analyst and serve web + worker + beat on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on (default 8000).")
        parser.add_argument(
            "--data-dir",
            help="Where the demo keeps its database, broker and keys (default ./var; read by the reportal command "
            "before settings load, same as REPORTAL_DATA_DIR).",
        )
        parser.add_argument("--no-serve", action="store_true", help="Prepare everything, print the login, then stop.")

    def handle(self, *args: Any, port: int, no_serve: bool, **options: Any) -> None:
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        # Collected files are served precompressed by whitenoise: the form's scripts cost a third as much.
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")

        from reportal.portals.demo import load_demo_portals

        portals = load_demo_portals()
        self.stdout.write("Demo portals: " + ", ".join(p.slug for p in portals))
        self._print_analyst(port)
        if no_serve:
            return
        self._serve(port)

    def _print_analyst(self, port: int) -> None:
        from django.contrib.auth import get_user_model

        from reportal.access import Role
        from reportal.accounts.services import create_staff, reset_staff

        user_model = get_user_model()
        if user_model.objects.filter(username=DEMO_ANALYST).exists():
            _user, password, otpauth_uri, secret = reset_staff(DEMO_ANALYST)
        else:
            _user, password, otpauth_uri, secret = create_staff(DEMO_ANALYST, Role.SENIOR)
        self.stdout.write(
            self.style.SUCCESS(
                "\nDemo analyst (a senior analyst; a new password and TOTP secret at every start):\n"
                f"  login:        http://127.0.0.1:{port}/staff/login/\n"
                f"  username:     {DEMO_ANALYST}\n"
                f"  password:     {password}\n"
                f"  TOTP secret:  {secret}   (add it to an authenticator app, or use the URI below)\n"
                f"  otpauth URI:  {otpauth_uri}\n"
            )
        )

    def _serve(self, port: int) -> None:
        data_dir = Path(settings.DATA_DIR)
        run_dir = data_dir / "run"
        run_dir.mkdir(exist_ok=True)
        env = {**os.environ, "REPORTAL_DATA_DIR": str(data_dir)}
        supervisor = Supervisor(self._say, env)
        for name, command in demo_processes(port, data_dir, run_dir).items():
            supervisor.add(name, command, pidfile=run_dir / f"{name}.pid")
        supervisor.start_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"\nServing on http://127.0.0.1:{port}/  portals: /gt/ /sv/ /bz/ /global/  workbench: /workbench/  "
                f"API: /api/v1/docs\nPress Ctrl-C to stop."
            )
        )

        def stop(*_args: object) -> None:
            supervisor.stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            supervisor.watch()
        finally:
            supervisor.stop_all()
            self.stdout.write("Demo stopped.")

    def _say(self, message: str, *, error: bool = False) -> None:
        (self.stderr if error else self.stdout).write(message)
        (self.stderr if error else self.stdout).flush()


def demo_processes(port: int, data_dir: Path, run_dir: Path) -> dict[str, list[str]]:
    """web, worker and beat as three processes, each restarted on its own when it dies.

    Beat is its own process (not the worker's embedded -B), so a worker restart never leaves an orphaned beat
    that doubles every schedule; its pid file is a lock: a second beat refuses to start while the first lives.
    The worker uses the threads pool: with the SQLite-backed broker a killed prefork child stalls its replacement
    on the pool's shared queue lock, and every follow-up with it (measured: bench/README_robustness.md); threads
    have no child to lose, and a killed worker is restarted whole by this supervisor.
    """
    bin_dir = Path(sys.executable).parent
    return {
        "web": [
            str(bin_dir / "gunicorn"),
            "reportal.wsgi:application",
            "--config",
            "python:reportal.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--pid",
            str(run_dir / "web.pid"),
        ],
        "worker": [
            str(bin_dir / "celery"),
            "-A",
            "reportal",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "4",
            "--loglevel",
            "INFO",
            "--pidfile",
            str(run_dir / "worker.pid"),
        ],
        "beat": [
            str(bin_dir / "celery"),
            "-A",
            "reportal",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(data_dir / "celerybeat-schedule"),
            "--pidfile",
            str(run_dir / "beat.pid"),
        ],
    }


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM if the demo itself dies (even by kill -9), so no web,
    worker or beat outlives it."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Child:
    name: str
    command: list[str]
    pidfile: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    next_start: float = 0.0
    quick_failures: int = 0


class Supervisor:
    """Starts the demo's processes and restarts any that dies, saying so; a process that keeps dying right after
    its start waits longer each time (up to 30 s) instead of spinning."""

    POLL_SECONDS = 0.5
    STABLE_SECONDS = 10.0  # alive this long after a start: the next failure is not a start-up failure

    def __init__(self, say: Callable[..., None], env: dict[str, str]) -> None:
        self.say = say
        self.env = env
        self.children: dict[str, Child] = {}
        self.stopping = False

    def add(self, name: str, command: list[str], *, pidfile: Path) -> None:
        self.children[name] = Child(name, command, pidfile)

    def start_all(self) -> None:
        for child in self.children.values():
            self._start(child)

    def _start(self, child: Child) -> None:
        # Each child leads its own process group, so what it leaves behind when killed (gunicorn's workers still
        # holding the port) can be ended with it before the restart.
        child.process = subprocess.Popen(  # noqa: S603
            child.command, env=self.env, preexec_fn=_die_with_parent, start_new_session=True
        )
        child.started_at = time.monotonic()
        if child.restarts:
            self.say(f"The {child.name} process is running again (pid {child.process.pid}, restart {child.restarts}).")
        else:
            self.say(f"Started {child.name} (pid {child.process.pid}).")

    def watch(self) -> None:
        while not self.stopping:
            now = time.monotonic()
            for child in self.children.values():
                if child.process is not None and child.process.poll() is not None:
                    code = child.process.returncode
                    _end_group(child.process.pid)
                    child.process = None
                    quick = now - child.started_at < self.STABLE_SECONDS
                    child.quick_failures = child.quick_failures + 1 if quick else 0
                    delay = min(30.0, 2.0 ** (child.quick_failures - 1)) if child.quick_failures else 0.5
                    child.next_start = now + delay
                    how = f"killed by signal {-code}" if code < 0 else f"exit {code}"
                    self.say(
                        f"The {child.name} process stopped ({how}); starting it again in {delay:.0f} s.", error=True
                    )
                if child.process is None and now >= child.next_start and not self.stopping:
                    child.restarts += 1
                    self._start(child)
            time.sleep(self.POLL_SECONDS)

    def stop_all(self) -> None:
        running = [c.process for c in self.children.values() if c.process is not None and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + 15
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            _end_group(process.pid)


def _end_group(pgid: int) -> None:
    """Kill whatever is left of a child's process group (its own workers); nothing when it left nothing."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
