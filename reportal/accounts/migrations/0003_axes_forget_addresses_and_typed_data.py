"""django-axes kept client addresses and the typed form data (TOTP codes among it) of failed sign-ins: forget them.

Lockout counts failures per username, so attempts of one username that differed only by address are merged into
one row (the highest count survives) before the addresses go.
"""

from typing import Any

from django.db import migrations


def forget(apps: Any, schema_editor: Any) -> None:
    attempt_model = apps.get_model("axes", "AccessAttempt")
    keep: dict[tuple[Any, str], Any] = {}
    for attempt in attempt_model.objects.order_by("-failures_since_start", "-attempt_time"):
        key = (attempt.username, attempt.user_agent)
        if key in keep:
            attempt.delete()
        else:
            keep[key] = attempt
    attempt_model.objects.update(ip_address=None, get_data="", post_data="")
    apps.get_model("axes", "AccessLog").objects.update(ip_address=None)
    apps.get_model("axes", "AccessFailureLog").objects.update(ip_address=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staff_sessions_ended"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
