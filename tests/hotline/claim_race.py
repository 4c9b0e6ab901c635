"""Race many analysts for one item, each thread on its own database connection, against the database the
environment names (a file SQLite database in REPORTAL_DATA_DIR, or PostgreSQL). Prints the outcome as JSON.

Run by test_claim_race.py in a fresh process, because the test run's own SQLite database lives in memory.
"""

from __future__ import annotations

import json
import os
import sys
import threading

import django


def main(contenders: int) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from reportal.hotline import claims
    from tests.hotline.factories import report_item

    call_command("migrate", verbosity=0)
    item = report_item("https://race.example/item")
    users = [get_user_model().objects.create_user(f"racer{i}") for i in range(contenders)]
    connection.close()
    barrier = threading.Barrier(contenders)
    winners: list[str] = []
    refused: list[str] = []
    errors: list[str] = []

    def attempt(user) -> None:  # noqa: ANN001
        try:
            barrier.wait()
            claims.claim_item(item, user)
            winners.append(user.username)
        except claims.ClaimRefused:
            refused.append(user.username)
        except Exception as exc:  # a database error would be a failure of the claim, reported to the test
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    holder = claims.claim_state(item).claimed_by_name
    item.refresh_from_db()
    return {
        "winners": winners,
        "refused": refused,
        "errors": errors,
        "holder": holder,
        "status": item.status,
        "events": item.events.count(),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)))
