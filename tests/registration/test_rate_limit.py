"""The registration form's limit per address: per process in memory, shared by every process with Redis."""

import os
import uuid

import pytest

from app.registration.rate_limit import RegistrationLimiter
from tests.tasks.conftest import REDIS_URL, redis_answers


def test_an_address_may_submit_the_limit_per_minute_and_is_then_told_when_to_come_back() -> None:
    limiter = RegistrationLimiter(3)

    answers = [limiter.allow("198.51.100.7") for _ in range(4)]

    assert answers == [True, True, True, False]
    assert limiter.allow("198.51.100.8")  # another address has its own count
    assert 1 <= limiter.retry_after("198.51.100.7") <= 60


def test_a_limit_of_zero_lets_everything_through() -> None:
    limiter = RegistrationLimiter(0)

    assert all(limiter.allow("198.51.100.7") for _ in range(100))


def test_with_redis_every_app_process_counts_against_the_same_limit() -> None:
    if not redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("no Redis on 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"plenary-test-{uuid.uuid4().hex}"
    first_process = RegistrationLimiter(2, REDIS_URL, key_prefix=prefix)
    second_process = RegistrationLimiter(2, REDIS_URL, key_prefix=prefix)

    answers = [first_process.allow("203.0.113.5"), second_process.allow("203.0.113.5")]
    third = first_process.allow("203.0.113.5")

    assert (answers, third) == ([True, True], False)
    assert not second_process.allow("203.0.113.5")
    first_process.storage.reset()


def test_a_redis_that_does_not_answer_does_not_close_registration() -> None:
    limiter = RegistrationLimiter(1, "redis://127.0.0.1:1/0", key_prefix="plenary-test-down")

    assert [limiter.allow("203.0.113.5") for _ in range(3)] == [True, True, True]
    assert limiter.retry_after("203.0.113.5") == 60
