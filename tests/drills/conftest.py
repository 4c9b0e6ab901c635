"""Fixtures of the fault drills: one private backend, its fake outside world, and one supervised `reportal demo`
for the whole run (starting one takes a while)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.drills.harness import Backend, Stack, World, make_backend, running_world


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Iterator[World]:
    with running_world(tmp_path_factory.mktemp("world")) as running:
        yield running


@pytest.fixture(scope="session")
def backend(tmp_path_factory, world) -> Iterator[Backend]:
    made = make_backend(tmp_path_factory.mktemp("drill"))
    made.env.update(world.env)
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
