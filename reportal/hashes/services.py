"""What other apps may ask of the hashes stage (issue 5 fills these in)."""

from __future__ import annotations

from typing import Any


def add_confirmed_images(item: Any, images: list[bytes], *, analyst: Any | None = None, classification: str = "") -> int:
    """Hash the images of a confirmed item (in memory) into the hotline's own bank; returns how many were added."""
    raise NotImplementedError


def lookup_bytes(data: bytes) -> list[Any]:
    """Bank matches for one image's bytes (for the workbench's 'already known' hint and the crawler)."""
    raise NotImplementedError
