"""Tables of the stats stage."""

from django.db import models  # noqa: F401
