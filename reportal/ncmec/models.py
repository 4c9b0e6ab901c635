"""Tables of the NCMEC CyberTipline reports."""

from django.db import models  # noqa: F401
