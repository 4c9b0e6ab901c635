"""`reportal demo`: one command from a fresh checkout to running portals, workbench, API and worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
        env = {**os.environ, "REPORTAL_DATA_DIR": str(settings.DATA_DIR)}
        bin_dir = Path(sys.executable).parent
        processes = {
            "web": [
                str(bin_dir / "gunicorn"),
                "reportal.wsgi:application",
                "--config",
                "python:reportal.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            # -B runs beat inside the worker: fine for one machine; scale-out runs beat on its own.
            "worker": [
                str(bin_dir / "celery"),
                "-A",
                "reportal",
                "worker",
                "-B",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--schedule",
                str(Path(settings.DATA_DIR) / "celerybeat-schedule"),
            ],
        }
        children = {name: subprocess.Popen(cmd, env=env) for name, cmd in processes.items()}  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(
                f"\nServing on http://127.0.0.1:{port}/  portals: /gt/ /sv/ /bz/ /global/  workbench: /workbench/  "
                f"API: /api/v1/docs\nPress Ctrl-C to stop."
            )
        )
        stopping = False

        def stop(*_args: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"The {name} process stopped (exit {child.returncode}); stopping the demo.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("Demo stopped.")
