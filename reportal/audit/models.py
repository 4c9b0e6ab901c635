"""Tables of the audit stage."""

from django.db import models  # noqa: F401
