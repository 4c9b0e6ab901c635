"""Tables of the hashes stage."""

from django.db import models  # noqa: F401
