from __future__ import annotations

import pytest

from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.website import running_website


@pytest.fixture
def website():
    yield from running_website()
