"""Scale-out: with Redis as the cache, matcher processes take the version counter from Redis and stay in step."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from reportal.hashes import banks as bank_services
from reportal.hashes.banks import VERSION_CACHE_KEY, ContentSignals, current_version
from reportal.hashes.matcher import ProcessMatcher
from reportal.hashes.models import MatchVersion

pytestmark = pytest.mark.django_db


def test_processes_stay_in_step_through_redis(redis_cache, django_capture_on_commit_callbacks):
    first, second = ProcessMatcher(), ProcessMatcher()
    assert first.candidates([("md5", "a" * 32)]) == [[]]
    assert second.candidates([("md5", "a" * 32)]) == [[]]
    with django_capture_on_commit_callbacks(execute=True):
        bank = bank_services.create_bank("SCALE")
        content = bank_services.add_content(bank, ContentSignals(md5="a" * 32))
    # The committed version was published to Redis, where every process reads it.
    assert cache.get(VERSION_CACHE_KEY) == MatchVersion.objects.get(pk=1).version == current_version()
    assert first.candidates([("md5", "a" * 32)]) == [[(content.pk, 0)]]
    assert second.candidates([("md5", "a" * 32)]) == [[(content.pk, 0)]]


def test_version_is_read_from_redis_not_the_database(redis_cache):
    cache.set(VERSION_CACHE_KEY, 41, 60)
    assert current_version() == 41
    cache.delete(VERSION_CACHE_KEY)
    assert current_version() == (MatchVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0)
    assert cache.get(VERSION_CACHE_KEY) is not None  # filled from the database for the next caller
