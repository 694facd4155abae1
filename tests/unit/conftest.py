"""Fixtures shared by the unit tests."""

import os

import pytest

from nova import conf as nova_conf
from nova.db import api as db_api
from nova.db import migration


@pytest.fixture
def conf():
    """A configuration with every option registered and none set."""
    config = nova_conf.new_conf()
    config([], project='nova', default_config_files=[])
    yield config
    config.reset()


@pytest.fixture
def db(tmp_path):
    """A cell's database on SQLite, at the latest schema."""
    url = 'sqlite:///%s' % os.path.join(str(tmp_path), 'cell.sqlite')
    migration.db_sync(url)
    database = db_api.Database(url)
    yield database
    database.dispose()


@pytest.fixture
def top(tmp_path):
    """The API cell's database on SQLite: it keeps copies of the
    instances its children run."""
    url = 'sqlite:///%s' % os.path.join(str(tmp_path), 'top.sqlite')
    migration.db_sync(url)
    database = db_api.Database(url, owns_instances=False)
    yield database
    database.dispose()
