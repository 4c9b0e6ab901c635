"""Fixtures of the fault drills: one private backend and one supervised `reportal demo` for the whole run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.drills.harness import Backend, Stack, make_backend


@pytest.fixture(scope="session")
def backend(tmp_path_factory) -> Iterator[Backend]:
    made = make_backend(tmp_path_factory.mktemp("drill"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="session")
def stack(backend) -> Iterator[Stack]:
    started = Stack(backend)
    try:
        yield started.start()
    finally:
        started.stop()
