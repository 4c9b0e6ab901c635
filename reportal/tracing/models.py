"""Tables of the tracing stage."""

from django.db import models  # noqa: F401
