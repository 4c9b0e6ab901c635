"""Errors of the network layer, shared by the fetcher, DNS and RDAP clients."""

from __future__ import annotations


class FetchError(Exception):
    """A fetch that could not complete. `reason` is a stable code; the message says what happened."""

    def __init__(self, message: str, *, reason: str = "error", url: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.url = url


class FetchRefused(FetchError):
    """The SSRF guard refused the address (a private, loopback or otherwise non-public destination)."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message, reason="refused", url=url)
