"""The operator listings of the tree name the cells missing from them:
a cell that does not answer within call_timeout, or that is mute (not
asked at all), is named in ``X-OpenStack-Nova-Cells-Missing`` and shown,
where the API cell has one, from its last known answer (named in
``X-OpenStack-Nova-Cells-Last-Known``)."""

import pytest

from nova import host_views
from nova.tests.functional import rest_client as rc

LISTINGS = ('/os-hypervisors', '/os-hypervisors/detail',
            '/os-hypervisors/statistics', '/os-services',
            '/os-availability-zone/detail')


@pytest.fixture
def api_tree(tree_factory):
    return rc.api_tree(tree_factory())


def _get(tree, path):
    code, body, headers = rc.request_with_headers(tree, 'GET', path,
                                                  token=rc.ADMIN)
    assert code == 200, body
    return body, headers.get(host_views.MISSING_HEADER), headers.get(
        host_views.LAST_KNOWN_HEADER)


def _hosts(body):
    return sorted(s['host'] for s in body['services'])


class _Recorder:
    """Stands in front of the top's inter-cell driver: which host
    listings went to which child."""

    def __init__(self, driver):
        self.driver = driver
        self.sent = []

    def send_message_to_cell(self, cell, message_type, ctxt, data, fanout):
        if data.get('method_name') in ('service_get_all',
                                       'compute_node_get_all'):
            self.sent.append(cell.name)
        return self.driver.send_message_to_cell(cell, message_type, ctxt,
                                                data, fanout)

    def __getattr__(self, name):
        return getattr(self.driver, name)


def test_a_whole_tree_names_no_cell(api_tree):
    for path in LISTINGS:
        _, missing, last_known = _get(api_tree, path)
        assert (missing, last_known) == (None, None), path


def test_a_silent_cell_is_named_and_shown_as_last_known(api_tree):
    body, _, _ = _get(api_tree, '/os-services')
    everything = _hosts(body)
    assert any(h.startswith('api!cell2@') for h in everything)
    _get(api_tree, '/os-hypervisors/detail')
    api_tree.service('cell2', 'cells').stop()

    body, missing, last_known = _get(api_tree, '/os-services')
    assert (missing, last_known) == ('api!cell2', 'api!cell2')
    assert _hosts(body) == everything
    body, missing, _ = _get(api_tree, '/os-hypervisors/detail')
    assert missing == 'api!cell2'
    assert {h['service']['host'].split('@')[0]
            for h in body['hypervisors']} == {'api!cell1', 'api!cell2'}


def test_a_mute_cell_is_not_asked_but_named(api_tree):
    for path in LISTINGS:
        _get(api_tree, path)        # what the top last heard of each
    api_tree.service('cell2', 'cells').stop()
    state = api_tree.cells_manager('api').state
    cell2 = state.get_child_cell('cell2')
    cell2.last_seen = state.clock() - 10 * api_tree.confs[
        'api'].cells.mute_child_interval
    manager = api_tree.cells_manager('api')
    recorder = _Recorder(manager.msg_runner.driver)
    manager.msg_runner.driver = recorder

    for path in LISTINGS:
        _, missing, last_known = _get(api_tree, path)
        assert (missing, last_known) == ('api!cell2', 'api!cell2'), path
    assert recorder.sent and set(recorder.sent) == {'cell1'}
    statistics, _, _ = _get(api_tree, '/os-hypervisors/statistics')
    assert statistics['hypervisor_statistics']['count'] == 4

    # Counted as it last reported, and named.
    body, missing, _ = _get(api_tree, '/os-cells/capacities')
    assert missing == 'api!cell2'
    assert set(body['cell']['capacities']) == {'ram_free', 'disk_free'}
    body, missing, _ = _get(api_tree, '/os-cells/cell2/capacities')
    assert missing == 'api!cell2'
    manager.msg_runner.driver = recorder.driver
