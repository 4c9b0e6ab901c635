"""Tables of the crawler stage."""

from django.db import models  # noqa: F401
