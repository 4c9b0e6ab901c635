"""Tables of the actions stage."""

from django.db import models  # noqa: F401
