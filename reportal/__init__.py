"""reportal: national reporting portals for child sexual abuse material and the hotline behind them."""

from reportal.celery import app as celery_app

__all__ = ["celery_app"]
__version__ = "0.1.0"
