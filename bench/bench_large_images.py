"""Memory per large-image request in a real gunicorn worker: today's decode path beside the one it replaced.

    .venv/bin/python bench/bench_large_images.py [--old-tree /tmp/old]

Starts gunicorn (2 gthread workers, 8 threads each, as reportal.gunicorn_conf does) on loopback, once from this
tree and, with --old-tree, once from a git worktree of an earlier commit (`git worktree add /tmp/old <commit>`),
each with its own SQLite data directory and a member key. For each image it sends one POST /h/hash and reads
the worker's peak resident memory (VmHWM in /proc/<pid>/status) before and after; then it sends 16 requests at
once and reports their statuses and whether both workers survived. Every worker runs under an address-space
limit (RLIMIT_AS, --limit-gb, default 6) so that the old path fails with MemoryError instead of taking the
machine down. Images are drawn with Pillow (flat colour with a few shapes), never real pictures.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def drawn(width: int, height: int, fmt: str) -> bytes:
    image = Image.new("RGB", (width, height), (90, 140, 200))
    draw = ImageDraw.Draw(image)
    for i in range(8):
        draw.ellipse(
            (i * width // 9, i * height // 11, i * width // 9 + width // 6, i * height // 11 + height // 6),
            fill=(30 * i % 255, 200, 90),
        )
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(tree: Path, data_dir: Path) -> str:
    """Migrate a fresh SQLite database for `tree` and make a member key with the match scope."""
    env = {
        **os.environ,
        "REPORTAL_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(tree),
        "DJANGO_SETTINGS_MODULE": "reportal.settings",
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        env.pop(name, None)
    subprocess.run([PYTHON, "-m", "django", "migrate", "-v0"], cwd=tree, env=env, check=True)
    script = (
        "import django; django.setup()\n"
        "from reportal.accounts import services as a\n"
        "m, key = a.create_member('Bench platform', 'platform', ['match'])\n"
        "print(key)\n"
    )
    out = subprocess.run([PYTHON, "-c", script], cwd=tree, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


class Server:
    def __init__(self, tree: Path, data_dir: Path, limit_gb: float) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "REPORTAL_DATA_DIR": str(data_dir),
            "PYTHONPATH": str(tree),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "8",
            "GUNICORN_TIMEOUT": "60",
            "GUNICORN_ACCESS_LOG": "off",
            "REPORTAL_HASH_RATE_LIMIT": "off",
            "DJANGO_SETTINGS_MODULE": "reportal.settings",
        }
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
            env.pop(name, None)
        limit = int(limit_gb * 1024**3)

        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", "python:reportal.gunicorn_conf", "reportal.wsgi"],
            cwd=tree,
            env=env,
            preexec_fn=cap,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.base + "/m/index/status", timeout=2)
                if len(self.workers()) == 2:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not start; run it by hand to see why")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def post(base: str, key: str, data: bytes, timeout: float = 120) -> tuple[int, float]:
    started = time.monotonic()
    try:
        answer = httpx.post(
            base + "/h/hash", files={"photo": ("x", data)}, headers={"Authorization": f"Bearer {key}"}, timeout=timeout
        )
        return answer.status_code, time.monotonic() - started
    except httpx.HTTPError as exc:
        print(f"      ({type(exc).__name__})")
        return 0, time.monotonic() - started


def run(label: str, tree: Path, images: dict[str, bytes], limit_gb: float, concurrent: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-large-"))
    try:
        key = prepare(tree, data_dir)
        print(f"\n== {label} ({tree})")
        for name, data in images.items():
            server = Server(tree, data_dir, limit_gb)
            try:
                small = drawn(64, 64, "PNG")
                for _ in range(4):  # both workers warm: imports done, first request served
                    post(server.base, key, small)
                before = {pid: peak_mb(pid) for pid in server.workers()}
                status, seconds = post(server.base, key, data)
                after = {pid: peak_mb(pid) for pid in server.workers()}
                grown = max((after.get(p, 0) - before.get(p, 0) for p in before), default=0)
                print(
                    f"  {name:<28} {len(data) / 1024:8.0f} KB  HTTP {status}  {seconds:6.2f} s  "
                    f"worker peak RSS +{grown:7.0f} MB (to {max(after.values(), default=0):6.0f} MB)"
                )
            finally:
                server.stop()
        for name, data in images.items():
            server = Server(tree, data_dir, limit_gb)
            try:
                workers = set(server.workers())
                started = time.monotonic()
                with ThreadPoolExecutor(concurrent) as pool:
                    outcomes = list(pool.map(lambda _: post(server.base, key, data), range(concurrent)))
                took = time.monotonic() - started
                statuses: dict[int, int] = {}
                for status, _s in outcomes:
                    statuses[status] = statuses.get(status, 0) + 1
                survived = workers == set(server.workers())
                peaks = [peak_mb(p) for p in server.workers()]
                print(
                    f"  {concurrent} at once, {name:<18} statuses {statuses}  {took:6.1f} s  "
                    f"workers {'survived' if survived else 'were replaced (crashed or killed)'}; "
                    f"peak RSS per worker {', '.join(f'{p:.0f}' for p in peaks)} MB"
                )
            finally:
                server.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the tree to measure (default: this one)")
    parser.add_argument("--old-tree", type=Path, help="a worktree of the commit before the change")
    parser.add_argument("--limit-gb", type=float, default=6.0, help="address-space limit per gunicorn process")
    parser.add_argument("--concurrent", type=int, default=16)
    args = parser.parse_args()
    print("drawing the images ...", flush=True)
    images = {
        "PNG 9999x9999": drawn(9999, 9999, "PNG"),
        "JPEG 9999x9999": drawn(9999, 9999, "JPEG"),
        "PNG 3000x3000 (9 MP)": drawn(3000, 3000, "PNG"),
    }
    run("this tree", args.tree, images, args.limit_gb, args.concurrent)
    if args.old_tree:
        run("before (old decode path)", args.old_tree, images, args.limit_gb, args.concurrent)


if __name__ == "__main__":
    main()
