"""Operator calls of nova-cells: transport URLs, RPC surface, syncing."""

from __future__ import annotations

import inspect
import uuid

import pytest

from nova import conf as nova_conf
from nova import context as nova_context
from nova.cells import admin
from nova.cells import manager as cells_manager
from nova.cells import rpcapi as cells_rpcapi
from nova.db import api as db_api
from nova.db import migration


@pytest.fixture
def conf():
    config = nova_conf.new_conf()
    config([], project='nova', default_config_files=[])
    config.set_override('transport_url',
                        'rabbit://api:api-secret@mq.example.org:5672/api')
    yield config
    config.reset()


def test_new_cells_get_our_scheme_but_never_our_credentials(conf):
    url = admin.build_transport_url(conf, {'rpc_host': 'mq2',
                                           'rpc_port': '5673'})
    assert url == 'rabbit://mq2:5673/'
    assert 'api-secret' not in url
    url = admin.build_transport_url(
        conf, {'rpc_host': 'mq2', 'username': 'cell', 'password': 'p@ss:w/d',
               'rpc_virtual_host': 'cell2'})
    described = admin.describe_transport(conf, url)
    assert described == {'username': 'cell', 'rpc_host': 'mq2',
                         'rpc_port': None, 'rpc_virtual_host': 'cell2'}
    assert 'p@ss' not in repr(described)


def test_an_update_keeps_what_it_does_not_change(conf):
    existing = 'rabbit://cell:old-secret@mq2:5672/cell2'
    url = admin.build_transport_url(conf, {'rpc_port': 5999}, existing)
    assert url == 'rabbit://cell:old-secret@mq2:5999/cell2'
    url = admin.build_transport_url(conf, {'password': 'new'}, url)
    assert admin.describe_transport(conf, url)['rpc_port'] == 5999
    assert ':new@' in url


def test_unparsable_urls_are_described_as_empty(conf):
    assert admin.describe_transport(conf, 'no scheme at all') == {
        'username': None, 'rpc_host': None, 'rpc_port': None,
        'rpc_virtual_host': None}
    assert admin.describe_transport(conf, None)['rpc_host'] is None


def test_rpc_client_and_endpoints_agree():
    endpoints = (cells_manager.CellsManager, admin.CellsAdmin)
    for endpoint in endpoints:
        assert cells_rpcapi.CellsAPI.VERSION == endpoint.target.version
    # A database listener, and where the client delivers: no RPC calls.
    skip = {'sync_listener', 'deliver_to'}
    for name, _func in inspect.getmembers(cells_rpcapi.CellsAPI,
                                          inspect.isfunction):
        if name.startswith('_') or name in skip:
            continue
        # Exactly one endpoint serves each call: a second one would be
        # shadowed by the first.
        serving = [e.__name__ for e in endpoints
                   if callable(getattr(e, name, None))]
        assert len(serving) == 1, (name, serving)


class _Recorder:
    def __init__(self, conf, db):
        self.conf = conf
        self.db = db
        self.sent = []

    def instance_update_at_top(self, ctxt, instance):
        self.sent.append(('update', instance.uuid))

    def instance_destroy_at_top(self, ctxt, instance):
        self.sent.append(('destroy', instance.uuid))


@pytest.fixture
def child(conf, tmp_path):
    url = f"sqlite:///{tmp_path / 'cell1.sqlite'}"
    migration.db_sync(url)
    db = db_api.Database(url)
    conf.set_override('instance_update_num_instances', 3, 'cells')
    yield _Recorder(conf, db)
    db.dispose()


def _instances(db, count, project='p1'):
    ctxt = nova_context.get_admin_context()
    return [db.instance_create(ctxt, {'uuid': str(uuid.uuid4()),
                                      'project_id': project})['uuid']
            for _ in range(count)]



