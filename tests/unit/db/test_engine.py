"""Engines built from ``[database] connection`` URLs."""

import pymysql
import pytest

from nova import exception
from nova.db import api as db_api

URL = 'mysql+pymysql://nova:secret@db.example.org/nova?charset=utf8mb4'


def _driver_arguments(engine, monkeypatch):
    """What the engine hands PyMySQL when it connects (captured by a
    stand-in; nothing connects)."""
    seen = {}

    def fake_connect(*_args, **kwargs):
        seen.update(kwargs)
        raise ConnectionAbortedError('not connecting in a unit test')

    monkeypatch.setattr(pymysql, 'connect', fake_connect)
    with pytest.raises(Exception, match='not connecting'):
        engine.connect()
    return seen


@pytest.mark.parametrize('value,disabled', [
    ('true', True), ('1', True), ('false', False), ('no', False)])
def test_ssl_disabled_reaches_pymysql_as_a_boolean(monkeypatch, value,
                                                   disabled):
    engine = db_api.create_engine(URL + '&ssl_disabled=' + value)
    try:
        seen = _driver_arguments(engine, monkeypatch)
    finally:
        engine.dispose()
    assert seen['ssl_disabled'] is disabled
    assert seen['charset'] == 'utf8mb4'


def test_without_ssl_disabled_pymysql_decides(monkeypatch):
    engine = db_api.create_engine(URL)
    try:
        assert 'ssl_disabled' not in _driver_arguments(engine, monkeypatch)
    finally:
        engine.dispose()


@pytest.mark.parametrize('query,message', [
    ('&ssl_disabled=maybe', "true or false, not 'maybe'"),
    ('&ssl_disabled=1&ssl_disabled=0', 'more than once')])
def test_a_bad_ssl_disabled_is_refused_clearly(query, message):
    with pytest.raises(exception.InvalidCellConfig, match=message):
        db_api.create_engine(URL + query)
