"""A service waits for its database instead of exiting."""

import logging

import pytest
import sqlalchemy as sa

from nova.db import api as db_api


class FlakyEngine:
    """Refuses ``failures`` connections, then hands out real ones."""

    def __init__(self, engine, failures):
        self.engine = engine
        self.failures = failures
        self.attempts = 0

    def connect(self):
        self.attempts += 1
        if self.attempts <= self.failures:
            raise sa.exc.OperationalError('SELECT 1', {}, Exception(
                "Can't connect to MySQL server"))
        return self.engine.connect()


def _database(failures):
    db = db_api.Database('sqlite://')
    flaky = FlakyEngine(db.engine, failures)
    db.engine = flaky
    return db, flaky


def test_waits_and_logs_until_the_database_answers(caplog):
    db, flaky = _database(failures=3)
    with caplog.at_level(logging.WARNING):
        db.wait_until_reachable(max_retries=-1, retry_interval=0.01)
    assert flaky.attempts == 4
    retries = [r.getMessage() for r in caplog.records
               if 'is unreachable' in r.getMessage()]
    assert len(retries) == 3
    assert "Can't connect" in retries[0]
    assert 'retrying in 0.0 s (attempt 1)' in retries[0]


def test_gives_up_after_max_retries():
    db, flaky = _database(failures=10)
    with pytest.raises(sa.exc.OperationalError):
        db.wait_until_reachable(max_retries=2, retry_interval=0.01)
    assert flaky.attempts == 3
