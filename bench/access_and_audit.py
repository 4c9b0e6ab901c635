"""Figures for the accounts work, each beside the alternative a user would pick, on a fresh SQLite database.

  python bench/access_and_audit.py [--entries 20000] [--checks 5000]

1. Member API key checks per second: reportal's SHA-256 of a 256-bit key (one indexed look-up) against storing keys
   with the password hasher (Argon2, as Django would for a password).
2. Audit appends per second: the hash-chained, serialised append against a plain INSERT of the same row.
3. `reportal audit verify` speed: entries checked per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--checks", type=int, default=5000)
    args = parser.parse_args()
    os.environ["REPORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-access-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.contrib.auth.hashers import check_password, make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.test import RequestFactory
    from django.utils import timezone

    from reportal import access
    from reportal.accounts import services
    from reportal.audit import chain
    from reportal.audit.models import AuditEntry
    from reportal.audit.services import record, verify_chain

    call_command("migrate", verbosity=0)
    print(f"Python {sys.version.split()[0]}, SQLite at {os.environ['REPORTAL_DATA_DIR']}")

    # 1. Key checks.
    for i in range(200):
        services.create_member(f"Member {i}", "isp", ["url-list"])
    _member, key = services.create_member("Bench ISP", "isp", ["url-list", "match"])
    request = RequestFactory().get("/api/v1/lists/urls", HTTP_AUTHORIZATION=f"Bearer {key}")
    start = time.perf_counter()
    for _ in range(args.checks):
        assert access.member_for_request(request, "url-list") is not None
    sha_rate = args.checks / (time.perf_counter() - start)
    argon_hash = make_password(key)
    argon_checks = 20
    start = time.perf_counter()
    for _ in range(argon_checks):
        assert check_password(key, argon_hash)
    argon_rate = argon_checks / (time.perf_counter() - start)
    print("\nMember API key check (one request's authentication), per second, one core:")
    print(f"  reportal (prefix look-up + SHA-256):   {sha_rate:10,.0f}/s")
    print(f"  Argon2-hashed keys (password hasher):  {argon_rate:10,.1f}/s   ({sha_rate / argon_rate:,.0f}x slower)")

    # 2. Appends.
    start = time.perf_counter()
    for i in range(args.entries):
        record("bench", "bench.viewed", None, item=i, portal="gt")
    chained = args.entries / (time.perf_counter() - start)
    plain_rows = args.entries
    start = time.perf_counter()
    base = AuditEntry.objects.count() + 1_000_000
    for i in range(plain_rows):
        with transaction.atomic():
            AuditEntry.objects.create(
                seq=base + i,
                at=timezone.now(),
                actor_name="bench",
                action="bench.plain",
                details=chain.normalise_details({"item": i, "portal": "gt"}),
                prev_hash="",
                entry_hash=f"plain-{i}",
            )
    plain = plain_rows / (time.perf_counter() - start)
    print(f"\nAudit appends, one writer, each in its own transaction ({args.entries:,} entries):")
    print(f"  reportal (locked head, SHA-256 chain):  {chained:10,.0f}/s")
    print(f"  plain INSERT of the same row:           {plain:10,.0f}/s")
    with transaction.atomic():
        AuditEntry.objects.filter(action="bench.plain")._raw_delete(AuditEntry.objects.db)

    # 3. Verify.
    start = time.perf_counter()
    report = verify_chain()
    elapsed = time.perf_counter() - start
    assert report.ok, report.problem
    print(f"\nreportal audit verify: {report.checked:,} entries in {elapsed:.2f} s ({report.checked / elapsed:,.0f}/s)")


if __name__ == "__main__":
    main()
