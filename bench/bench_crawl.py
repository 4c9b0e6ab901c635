"""Proactive search speed: reportal's crawler on a generated loopback site, beside a plain httpx + Pillow loop.

The site (tests/fakes/crawl_site.py, served from its own process) has --pages pages in a tree (10 links a page)
and --images images (--images / --pages on each page); image k shows one of --distinct drawn pictures (smooth
colour fields and discs, no content of any kind), each address with its own bytes (a JPEG comment), so every
image is fetched, decoded and hashed. --banked of the pictures are put in a bank first.

ours:  `reportal.crawler` with --workers worker processes sharing one crawl (the frontier in the database, host
       leases with REPORTAL_CRAWL_HOST_CONCURRENCY = workers, no politeness pause): guarded fetcher, PDQ fast mode
       + MD5/SHA-1/SHA-256, bank look-up per image, findings recorded as queue items.
plain: one process, httpx.Client with keep-alive, regular expressions for links and images, Pillow decode +
       pdqhash of the full image + MD5, compared with the banked hashes in memory: what a user would write first.

    .venv/bin/python bench/bench_crawl.py                      # 10,000 pages, 50,000 images (SQLite)
    .venv/bin/python bench/bench_crawl.py --pages 1000 --images 5000
    DATABASE_URL=postgresql://... .venv/bin/python bench/bench_crawl.py   (a database the bench may fill)
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def serve_site(pages: int, images: int, distinct: int, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from tests.fakes.crawl_site import CrawlSite, SiteMap, _cached_picture

    for seed in range(distinct):
        _cached_picture(seed)  # drawn before the clock starts
    site = CrawlSite(SiteMap(pages=pages, branching=10, images_per_page=images // pages, distinct_pictures=distinct))
    site.server.request_queue_size = 1024
    site.start()
    ready.put(site.port)
    while True:
        time.sleep(3600)


def setup_django(data_dir: str, workers: int) -> None:
    os.environ.update(
        REPORTAL_DATA_DIR=data_dir,
        REPORTAL_FETCH_ALLOW="127.0.0.0/8",
        REPORTAL_ACCEPT_PRIVATE_URLS="1",
        REPORTAL_CRAWL_DELAY_SECONDS="0",
        REPORTAL_CRAWL_HOST_CONCURRENCY=str(workers),
        REPORTAL_CRAWL_MAX_PAGES="1000000",
        REPORTAL_CRAWL_MAX_DEPTH="20",
        REPORTAL_HASH_INDEX_DIR=str(Path(data_dir) / "hash-index"),
        DJANGO_SETTINGS_MODULE="reportal.settings",
    )
    import django

    django.setup()


def crawl_worker(data_dir: str, workers: int, crawl_id: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    setup_django(data_dir, workers)
    from reportal.crawler import engine

    while engine.run_slice(crawl_id, seconds=3600) == engine.SliceEnd.MORE:
        pass
    out.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def ours(port: int, pictures: dict[int, bytes], workers: int, pages: int) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connections

    from reportal.crawler import services
    from reportal.crawler.models import Crawl, Finding
    from reportal.hashes import banks
    from reportal.hashes.hashing import hash_image_bytes
    from tests.fakes.items import make_portal

    call_command("migrate", verbosity=0)
    portal = make_portal("sv", "SV")
    bank = banks.get_or_create_bank("BENCH_KNOWN")
    for data in pictures.values():
        h = hash_image_bytes(data, mode="exact")
        banks.add_content(
            bank,
            banks.ContentSignals(pdq=h.pdq, pdq_quality=h.pdq_quality, md5=h.md5, sha256=h.sha256, source="bench"),
        )
    services._send = lambda crawl_id, count: None  # the bench starts the workers itself
    crawl = services.start_crawl(f"http://127.0.0.1:{port}/p/0.html", portal=portal, scope="host", max_pages=pages)
    connections.close_all()
    out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    data_dir = os.environ["REPORTAL_DATA_DIR"]
    started = time.perf_counter()
    procs = [
        multiprocessing.Process(target=crawl_worker, args=(data_dir, workers, crawl.pk, out)) for _ in range(workers)
    ]
    for p in procs:
        p.start()
    peaks = [out.get() for _ in procs]
    for p in procs:
        p.join()
    seconds = time.perf_counter() - started
    crawl.refresh_from_db()
    return {
        "seconds": seconds,
        "pages": crawl.pages_fetched,
        "images": crawl.media_hashed,
        "matched": crawl.media_matched,
        "findings": Finding.objects.filter(crawl=crawl).count(),
        "errors": crawl.errors,
        "peak_mb": max(peaks) / 1024,
        "state": 1.0 if Crawl.objects.get(pk=crawl.pk).state == "finished" else 0.0,
    }


LINK = re.compile(rb'<a href="(/p/[0-9]+\.html)"')
IMAGE = re.compile(rb'<img src="([^"]+)"')


def plain(port: int, pictures: dict[int, bytes], pages: int) -> dict[str, float]:
    import httpx
    import numpy as np
    import pdqhash
    from PIL import Image

    banked_md5 = {hashlib.md5(d).hexdigest() for d in pictures.values()}  # noqa: S324
    banked_pdq = []
    for data in pictures.values():
        vector, _q = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
        banked_pdq.append(np.asarray(vector, dtype=np.uint8))
    bank = np.stack(banked_pdq)
    base = f"http://127.0.0.1:{port}"
    queue = collections.deque(["/p/0.html"])
    seen = {"/p/0.html"}
    fetched = images = matched = 0
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=10) as client:
        while queue and fetched < pages:
            html = client.get(queue.popleft()).content
            fetched += 1
            for link in LINK.findall(html):
                path = link.decode()
                if path not in seen:
                    seen.add(path)
                    queue.append(path)
            for src in IMAGE.findall(html):
                data = client.get(src.decode()).content
                image = Image.open(io.BytesIO(data)).convert("RGB")
                vector, _quality = pdqhash.compute(np.asarray(image))
                md5 = hashlib.md5(data).hexdigest()  # noqa: S324
                distances = (bank != np.asarray(vector, dtype=np.uint8)).sum(axis=1)
                images += 1
                matched += int(md5 in banked_md5 or bool((distances <= 31).any()))
    return {
        "seconds": time.perf_counter() - started,
        "pages": fetched,
        "images": images,
        "matched": matched,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def plain_process(port: int, pictures: dict[int, bytes], pages: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out.put(plain(port, pictures, pages))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--distinct", type=int, default=5_000, help="distinct pictures behind the image addresses")
    parser.add_argument("--banked", type=int, default=100, help="pictures put in a bank before the crawl")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-plain", action="store_true")
    args = parser.parse_args()

    multiprocessing.set_start_method("fork")
    ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve_site, args=(args.pages, args.images, args.distinct, ready))
    server.start()
    port = ready.get(timeout=600)
    try:
        from tests.fakes.crawl_site import picture_bytes

        # Banked pictures: spread over the distinct ones, so banked images appear all over the site.
        step = max(1, args.distinct // max(1, args.banked))
        pictures = {seed: picture_bytes(seed) for seed in range(0, args.distinct, step)[: args.banked]}
        expected = sum(1 for k in range(args.images) if (k % args.distinct) in pictures)
        print(
            f"site: {args.pages} pages, {args.images} images ({args.distinct} distinct pictures), "
            f"{len(pictures)} pictures banked -> {expected} banked images on the site; cores: {os.cpu_count()}"
        )
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as data_dir:
            setup_django(data_dir, args.workers)
            from django.db import connection

            r = ours(port, pictures, args.workers, args.pages)
            print(
                f"ours  ({args.workers} workers, {connection.vendor}): {r['pages']} pages, {r['images']} images "
                f"hashed, {r['matched']} matched, {r['findings']} pages with known material, {r['errors']} errors "
                f"in {r['seconds']:.1f} s = {r['pages'] / r['seconds']:.1f} pages/s, "
                f"{r['images'] / r['seconds']:.1f} images hashed and matched/s; peak RSS per worker "
                f"{r['peak_mb']:.0f} MB"
            )
        if not args.skip_plain:
            # A fresh process (spawned, not forked from this Django one), so its peak memory is its own.
            spawn = multiprocessing.get_context("spawn")
            out: multiprocessing.Queue = spawn.Queue()  # type: ignore[type-arg]
            runner = spawn.Process(target=plain_process, args=(port, pictures, args.pages, out))
            runner.start()
            p = out.get()
            runner.join()
            print(
                f"plain (1 process, httpx + Pillow + pdqhash): {p['pages']} pages, {p['images']} images, "
                f"{p['matched']} matched in {p['seconds']:.1f} s = {p['pages'] / p['seconds']:.1f} pages/s, "
                f"{p['images'] / p['seconds']:.1f} images/s; peak RSS {p['peak_mb']:.0f} MB"
            )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
