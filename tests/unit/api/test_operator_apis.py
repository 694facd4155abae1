"""os-cells, os-services and os-hypervisors against fake facades."""

from __future__ import annotations

import pytest

from nova import exception
from nova.api import policy
from nova.api import wsgi_app
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import request

SECRET = 'hunter2-secret'


class FakeCellsAdmin:
    """Stands in for nova.compute.cells_admin.CellsAdminAPI."""

    def __init__(self):
        self.cells = {'cell1': {'name': 'cell1', 'is_parent': False,
                                'username': 'u', 'rpc_host': 'h1',
                                'rpc_port': 5672, 'password': SECRET,
                                'capabilities': {'os': ['linux']}}}
        self.calls = []

    def info(self):
        return {'name': 'api', 'capabilities': {'os': 'linux'}}

    def neighbours(self, ctxt):
        return list(self.cells.values())

    def cell_get(self, ctxt, name):
        if name not in self.cells:
            raise exception.CellNotFound(cell_name=name)
        return self.cells[name]

    def cell_create(self, ctxt, values):
        self.calls.append(('create', values))
        cell = dict(values, capabilities={})
        self.cells[values['name']] = cell
        return cell

    def cell_update(self, ctxt, name, values):
        self.calls.append(('update', values))
        self.cell_get(ctxt, name).update(values)
        return self.cells[name]

    def cell_delete(self, ctxt, name):
        self.cell_get(ctxt, name)
        del self.cells[name]
        return 1

    def capacities(self, ctxt, name=None):
        if name not in (None, 'cell1'):
            raise exception.CellNotFound(cell_name=name)
        return {'ram_free': {'total_mb': 1, 'units_by_mb': {}}}

    def sync_instances(self, ctxt, project_id, updated_since, deleted):
        self.calls.append(('sync', (project_id, updated_since, deleted)))


@pytest.fixture
def cells_admin(compute):
    compute.cells_admin = FakeCellsAdmin()
    return compute.cells_admin


@pytest.fixture
def cells_app(conf, compute, cells_admin):
    conf.set_override('enable', True, 'cells')
    return wsgi_app.load_app(conf, compute)


def test_os_cells_answers_501_without_cells(conf, compute, cells_admin):
    app = wsgi_app.load_app(conf, compute)      # [cells] enable = False
    for method, path in (('GET', '/v2.1/os-cells'),
                         ('GET', '/v2.1/os-cells/info'),
                         ('POST', '/v2.1/os-cells/sync_instances')):
        resp = request(app, method, path, {} if method == 'POST' else None,
                       token=ADMIN)
        assert resp.status_int == 501
        assert resp.json == {'notImplemented': {
            'code': 501,
            'message': 'The requested functionality is not supported.'}}


def test_os_cells_answers_501_without_a_cells_facade(conf, compute):
    conf.set_override('enable', True, 'cells')
    app = wsgi_app.load_app(conf, compute)
    assert request(app, 'GET', '/v2.1/os-cells',
                   token=ADMIN).status_int == 501


def test_list_show_and_info_never_show_the_password(cells_app):
    for path in ('/v2.1/os-cells', '/v2.1/os-cells/detail',
                 '/v2.1/os-cells/cell1'):
        resp = request(cells_app, 'GET', path, token=ADMIN)
        assert resp.status_int == 200
        assert SECRET not in resp.text
    assert request(cells_app, 'GET', '/v2.1/os-cells/detail',
                   token=ADMIN).json == {'cells': [{
                       'name': 'cell1', 'username': 'u', 'rpc_host': 'h1',
                       'rpc_port': 5672, 'type': 'child',
                       'capabilities': {'os': ['linux']}}]}
    info = request(cells_app, 'GET', '/v2.1/os-cells/info',
                   token=ADMIN).json['cell']
    assert info == {'name': 'api', 'type': 'self', 'rpc_host': None,
                    'rpc_port': 0, 'username': None,
                    'capabilities': {'os': 'linux'}}
    assert request(cells_app, 'GET', '/v2.1/os-cells?limit=0',
                   token=ADMIN).json == {'cells': []}


def test_create_update_delete(cells_app, cells_admin):
    resp = request(cells_app, 'POST', '/v2.1/os-cells', {'cell': {
        'name': 'cell2', 'type': 'parent', 'username': 'guest',
        'password': SECRET, 'rpc_host': '10.0.0.2', 'rpc_port': '5673',
        'rpc_virtual_host': 'cell2'}}, token=ADMIN)
    assert resp.status_int == 200
    assert SECRET not in resp.text
    assert resp.json['cell']['type'] == 'parent'
    assert cells_admin.calls[-1] == ('create', {
        'name': 'cell2', 'is_parent': True, 'username': 'guest',
        'password': SECRET, 'rpc_host': '10.0.0.2', 'rpc_port': 5673,
        'rpc_virtual_host': 'cell2'})
    resp = request(cells_app, 'PUT', '/v2.1/os-cells/cell2',
                   {'cell': {'type': 'child'}}, token=ADMIN)
    assert resp.json['cell']['type'] == 'child'
    resp = request(cells_app, 'DELETE', '/v2.1/os-cells/cell2', token=ADMIN)
    assert (resp.status_int, resp.body) == (200, b'')
    resp = request(cells_app, 'DELETE', '/v2.1/os-cells/cell2', token=ADMIN)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        "Cell cell2 doesn't exist."


@pytest.mark.parametrize('cell', [
    {'type': 'child'},                                  # no name
    {'name': 'a!b'}, {'name': 'a@b'}, {'name': 'a.b'}, {'name': ''},
    {'name': 'x', 'type': 'sibling'},
    {'name': 'x', 'rpc_port': 70000}, {'name': 'x', 'rpc_port': '99999'},
    {'name': 'x', 'rpc_host': 'a/b'}, {'name': 'x', 'transport_url': 'x'},
    {'name': 'x', 'username': 'bad name'},
])
def test_bad_create_bodies_are_400(cells_app, cells_admin, cell):
    resp = request(cells_app, 'POST', '/v2.1/os-cells', {'cell': cell},
                   token=ADMIN)
    assert resp.status_int == 400
    assert resp.json['badRequest']['code'] == 400
    assert cells_admin.calls == []


HOSTILE = 'Zq@bx:rel/9#x\'"é'


@pytest.mark.parametrize('cell', [
    {'name': 'x', 'password': HOSTILE, 'bogus': 1},     # Value: the cell
    {'name': 'x!', 'password': HOSTILE},
    {'name': 'x', 'password': HOSTILE * 40},            # too long
    {'name': 'x', 'password': HOSTILE, 'rpc_port': 'port'},
])
def test_a_refused_body_does_not_echo_its_password(cells_app, cells_admin,
                                                   cell):
    resp = request(cells_app, 'POST', '/v2.1/os-cells', {'cell': cell},
                   token=ADMIN)
    assert resp.status_int == 400
    message = resp.json['badRequest']['message']
    assert message.startswith('Invalid input for field/attribute')
    for form in (HOSTILE, repr(HOSTILE)[1:-1]):
        for i in range(len(form) - 2):
            assert form[i:i + 3] not in message, message


def test_capacities_and_sync(cells_app, cells_admin):
    resp = request(cells_app, 'GET', '/v2.1/os-cells/capacities',
                   token=ADMIN)
    assert resp.json == {'cell': {'capacities': {
        'ram_free': {'total_mb': 1, 'units_by_mb': {}}}}}
    assert request(cells_app, 'GET', '/v2.1/os-cells/nope/capacities',
                   token=ADMIN).status_int == 404
    resp = request(cells_app, 'POST', '/v2.1/os-cells/sync_instances',
                   {'project_id': 'p1', 'deleted': 'true',
                    'updated_since': '2024-01-31T12:00:00Z'}, token=ADMIN)
    assert (resp.status_int, resp.body) == (200, b'')
    assert cells_admin.calls[-1] == (
        'sync', ('p1', '2024-01-31T12:00:00Z', True))
    for body in ({'updated_since': 'yesterday'}, {'deleted': 'maybe'},
                 {'project': 'p1'}, []):
        resp = request(cells_app, 'POST', '/v2.1/os-cells/sync_instances',
                       body, token=ADMIN)
        assert resp.status_int == 400, body


def test_a_policy_file_can_open_os_cells(conf, compute, cells_admin,
                                         tmp_path):
    conf.set_override('enable', True, 'cells')
    path = tmp_path / 'policy.yaml'
    path.write_text('"os_compute_api:os-cells": "@"\n')
    policy.register_opts(conf)
    conf.set_override('policy_file', str(path), group='oslo_policy')
    app = wsgi_app.load_app(conf, compute)
    assert request(app, 'GET', '/v2.1/os-cells').status_int == 200
    # Changing cells keeps its own (default) rule.
    assert request(app, 'DELETE', '/v2.1/os-cells/cell1').status_int == 403


def test_operator_routes_without_a_host_api_are_501(call):
    for path in ('/v2.1/os-services', '/v2.1/os-hypervisors',
                 '/v2.1/os-availability-zone', '/v2.1/limits'):
        assert call('GET', path, token=ADMIN).status_int == 501, path


def test_os_services_unknown_action_is_404(conf, compute):
    compute.host_api = object()
    app = wsgi_app.load_app(conf, compute)
    resp = request(app, 'PUT', '/v2.1/os-services/explode',
                   {'host': 'h', 'binary': 'nova-compute'}, token=ADMIN)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == 'Unknown action'
