"""Tables of the hotline stage."""

from django.db import models  # noqa: F401
