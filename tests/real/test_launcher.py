"""A whole cells tree as separate daemons on RabbitMQ and MariaDB.

``nova.tools.launcher`` brings up an API cell and two child cells (twelve
processes, one vhost and one database per cell); the test boots 20
servers through the REST API, checks where they landed in the three
databases, deletes them and waits until no live row is left anywhere.
The deployment is always torn down, and the launcher's ``down`` is
checked to leave no process, database or vhost behind.
"""

from __future__ import annotations

from collections.abc import Iterator
import pathlib
import time
from typing import Any

import pytest

from nova.compute import images
from nova.tests.real import launcher_support as support
from nova.tools import launcher
from nova.tools.launcher import config

SERVERS = 20
ACTIVE_TIMEOUT = 120.0
DELETE_TIMEOUT = 120.0
SYNC_TIMEOUT = 30.0
CHILDREN = ('cella', 'cellb')


@pytest.fixture
def deployment(real_services: None, tmp_path: pathlib.Path
               ) -> Iterator[Any]:
    """A running tree: api + cella + cellb; removed however the test
    ends."""
    with support.running(tmp_path, children=len(CHILDREN)) as dep:
        yield dep


# -- the --tree syntax (no daemon needed) ------------------------------------

def test_tree_default_is_api_above_n_children() -> None:
    cells = launcher.parse_tree(launcher.default_tree(2), computes=3)
    assert [(c.name, c.parent, c.computes) for c in cells] == [
        ('api', None, 0), ('cella', 'api', 3), ('cellb', 'api', 3)]
    assert launcher.default_tree(28).endswith(',cellz,cellaa,cellab')


def test_tree_middle_cells_run_no_computes_unless_told() -> None:
    cells = launcher.parse_tree(' api:cell1,cell2 ; cell1:gc1,gc2=1 ;')
    assert [(c.name, c.parent, c.computes) for c in cells] == [
        ('api', None, 0), ('cell1', 'api', 0), ('cell2', 'api', 2),
        ('gc1', 'cell1', 2), ('gc2', 'cell1', 1)]
    spec = launcher.format_tree(launcher.parse_tree('api:cell1=1;cell1:gc1'))
    assert spec == 'api:cell1=1;cell1:gc1=2'
    assert launcher.format_tree(launcher.parse_tree(spec)) == spec


def test_tree_plan_ranges_paths_and_roles(tmp_path: pathlib.Path) -> None:
    dep = launcher.Deployment(tmp_path, prefix='plan',
                              tree='api:cell1=1,cell2;cell1:gc1')
    assert [(c.name, c.role, c.fixed_range, dep.cell_path(c.name))
            for c in dep.cells] == [
        ('api', 'API cell', None, 'api'),
        ('cell1', 'middle cell', '10.1.0.0/24', 'api!cell1'),
        ('cell2', 'child cell', '10.2.0.0/24', 'api!cell2'),
        ('gc1', 'child cell', '10.3.0.0/24', 'api!cell1!gc1')]
    assert dep.depth == 3
    assert dep.cell('cell1').compute_hosts == ['cell1-compute1']


def test_tree_a_cell_may_have_two_parents(tmp_path: pathlib.Path) -> None:
    cells = launcher.parse_tree('api:c1,m;m:c2;c1:gc;c2:gc=1')
    assert [(c.name, c.parents, c.computes) for c in cells] == [
        ('api', (), 0), ('c1', ('api',), 0), ('m', ('api',), 0),
        ('c2', ('m',), 0), ('gc', ('c1', 'c2'), 1)]
    dep = launcher.Deployment(tmp_path, prefix='diamond',
                              tree='api:c1,c2;c1:gc;c2:gc')
    assert [(c.name, c.level, c.parents) for c in dep.cells] == [
        ('api', 0, []), ('c1', 1, ['api']), ('c2', 1, ['api']),
        ('gc', 2, ['c1', 'c2'])]
    assert dep.cell_path('gc') == 'api!c1!gc'
    assert launcher.format_tree(launcher.parse_tree(dep.tree)) == dep.tree


@pytest.mark.parametrize('spec, error', [
    ('api', 'expected PARENT:CHILD'),
    ('api:', 'bad cell name'),
    ('api:cell-1', 'bad cell name'),
    ('api:a;b:c', 'exactly one root'),
    ('api:a;a:api', 'exactly one root'),
    ('api:a;a:b;b:a', 'a cycle'),
    ('api:x;a:b;b:a', 'a cycle'),
    ('api:a,a', 'listed twice'),
    ('api:a;api:b', 'listed twice'),
    ('api=1:a', 'runs no compute host'),
    ('api:a=x', 'bad compute host count'),
    ('api:a=1;a=2:b', 'two compute host counts'),
])
def test_tree_errors(spec: str, error: str) -> None:
    with pytest.raises(launcher.LauncherError, match=error):
        launcher.parse_tree(spec)


class _Backends(launcher.Backends):
    def __init__(self, max_connections: int) -> None:
        self.limit = max_connections

    def max_connections(self) -> int:
        return self.limit


@pytest.mark.parametrize('limit', [151, 60, 1000])
def test_pools_fit_mariadb_with_headroom(tmp_path: pathlib.Path,
                                         limit: int) -> None:
    said: list[str] = []
    dep = launcher.Deployment(tmp_path, prefix='pools',
                              tree='api:cell1,cell2;cell1:gc1',
                              backends=_Backends(limit), out=said.append)
    # api: cells + api; cell1: cells; cell2 and gc1: cells, network,
    # scheduler and two computes.
    assert dep.daemon_count() == 2 + 1 + 5 + 5
    kept, overflow = dep._pool()
    most = dep.daemon_count() * (kept + overflow)
    assert kept >= 1 and overflow >= 0
    headroom = max(30, int(limit * 0.4))
    assert most <= max(limit - headroom, dep.daemon_count() * 2)
    assert kept + overflow <= 30
    assert said == [f'database pools: 13 daemons x ({kept} + {overflow} '
                    f'overflow) = at most {most} connections of '
                    f"MariaDB's max_connections {limit}"]


def test_the_default_tree_leaves_mariadb_most_of_its_connections() -> None:
    # Twelve daemons on a default MariaDB: 12 x 7 = 84 of 151.
    assert config.pool_size(151, 12) == (3, 4)


SYNC_COLUMNS = ('vm_state', 'task_state', 'power_state', 'host',
                'sync_version')


def _sync_state(dep: Any, cell: str) -> dict[str, tuple[Any, ...]]:
    """uuid -> the child-owned columns of each live instance row."""
    rows = dep.query(cell, f"SELECT uuid, {', '.join(SYNC_COLUMNS)} "
                           'FROM instances WHERE deleted = 0')
    return {str(row[0]): tuple(row[1:]) for row in rows}


# -- the test ---------------------------------------------------------------

@pytest.mark.timeout(900)
def test_twenty_servers_across_two_child_cells(deployment: Any) -> None:
    dep = deployment
    api = dep.api_url
    with support.logs_on_failure(dep):
        # More servers than the default quota of a project allows.
        status, body = support.request(api, 'PUT',
                                       '/v2.1/os-quota-sets/admin', {
                                           'quota_set': {'instances': -1,
                                                         'cores': -1,
                                                         'ram': -1}})
        assert status == 200, (status, body)
        servers: dict[str, dict[str, Any]] = {}
        started = time.monotonic()
        for n in range(SERVERS):
            status, body = support.request(api, 'POST', '/v2.1/servers', {
                'server': {'name': f'launcher-{n}', 'flavorRef': '1',
                           'imageRef': images.DEFAULT_IMAGE_ID}})
            assert status == 202, (status, body)
            servers[body['server']['id']] = {}
        posted = time.monotonic() - started
        to_active = support.wait_active(api, servers, ACTIVE_TIMEOUT)
        print(f'\n{SERVERS} POSTs took {posted:.1f}s; all ACTIVE '
              f'{posted + to_active:.1f}s after the first POST')

        # Where they are: the API cell's replica names each one's cell.
        top = support.live_instances(dep, 'api')
        assert set(top) == set(servers)
        by_cell: dict[str, set[str]] = {}
        for instance_uuid, cell_name in top.items():
            by_cell.setdefault(str(cell_name), set()).add(instance_uuid)
        expected_paths = {f'api!{child}' for child in CHILDREN}
        assert set(by_cell) == expected_paths, (
            f'instances not spread over both children: '
            f'{ {k: len(v) for k, v in by_cell.items()} }')
        for child in CHILDREN:
            mine = by_cell[f'api!{child}']
            local = support.live_instances(dep, child)
            assert set(local) == mine, (child, set(local) ^ mine)
            hosts = {servers[u]['OS-EXT-SRV-ATTR:host'] for u in mine}
            assert hosts <= set(dep.cell(child).compute_hosts), hosts
            print(f'{child}: {len(mine)} instances in the API replica as '
                  f'api!{child}, {len(local)} live in {child}\'s own '
                  f'database, on hosts {sorted(hosts)}')

        # The replica converges on each child's own rows: out-of-order or
        # concurrent updates must not leave an older state at the top.
        def replica_in_sync() -> tuple[bool, str]:
            top_rows = _sync_state(dep, 'api')
            differ = {u: (top_rows.get(u), row)
                      for child in CHILDREN
                      for u, row in _sync_state(dep, child).items()
                      if top_rows.get(u) != row}
            return not differ, (f'{len(differ)} differ (top, child): '
                                f'{dict(list(differ.items())[:3])}')

        support.wait_for('API replica in sync with the children', SYNC_TIMEOUT,
                  replica_in_sync)
        print(f'API replica matches the children on {SYNC_COLUMNS}')

        # Delete them all and wait until no live row is left anywhere.
        started = time.monotonic()
        for server_id in servers:
            status, body = support.request(api, 'DELETE',
                                    f'/v2.1/servers/{server_id}')
            assert status == 204, (server_id, status, body)

        gone = support.wait_all_deleted(dep, DELETE_TIMEOUT)
        print(f'all {SERVERS} deleted, no live row in '
              f'{len(dep.cells)} databases, {gone:.1f}s after the first '
              'DELETE')
        for server_id in servers:
            status, _ = support.request(api, 'GET',
                                        f'/v2.1/servers/{server_id}')
            assert status == 404, (server_id, status)
