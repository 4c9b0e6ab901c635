"""Tables of the lists stage."""

from django.db import models  # noqa: F401
