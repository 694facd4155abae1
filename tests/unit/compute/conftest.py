"""A cell database and configuration for compute unit tests."""

import os
import shutil

import oslo_messaging
import pytest

from nova import conf as nova_conf
from nova.db import api as db_api
from nova.db import migration


@pytest.fixture
def conf():
    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    conf.set_override('host', 'host1')
    return conf


@pytest.fixture(scope='session')
def migrated_file(tmp_path_factory):
    """A database file at the latest schema, migrated once per run."""
    path = os.path.join(str(tmp_path_factory.mktemp('template')),
                        'cell.sqlite')
    migration.db_sync('sqlite:///%s' % path)
    return path


@pytest.fixture
def db(tmp_path, migrated_file):
    path = os.path.join(str(tmp_path), 'cell.sqlite')
    shutil.copyfile(migrated_file, path)
    database = db_api.Database('sqlite:///%s' % path)
    yield database
    database.dispose()


@pytest.fixture
def transport(conf):
    transport = oslo_messaging.get_rpc_transport(conf, url='fake://')
    yield transport
    transport.cleanup()
