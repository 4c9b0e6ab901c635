"""Tables of the ICCAM exchange."""

from django.db import models  # noqa: F401
