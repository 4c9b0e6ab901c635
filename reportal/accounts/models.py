"""Tables of the accounts stage."""

from django.db import models  # noqa: F401
