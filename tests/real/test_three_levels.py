"""Three levels of cells as separate daemons: api -> cell1 -> gc1.

``nova.tools.launcher`` brings up the API cell, the middle cell ``cell1``
(nova-cells plus one compute host of its own, with its scheduler and
network) and the grandchild ``gc1`` (one compute host), each with its own
vhost and database.  An admin boots servers through the REST API with the
scheduler hint ``target_cell = api!cell1!gc1``: since cell1 could take
them too, only the hint sends all of them down to gc1.  The test checks
where the rows are (the API replica names the three-level path; the
instance lives in gc1's database and never touched cell1's), boots one
server without a hint, deletes everything and waits until no live row is
left in any of the three databases.  The deployment is always torn down.
"""

from __future__ import annotations

from collections.abc import Iterator
import configparser
import pathlib
import time
from typing import Any

import pytest

from nova.compute import images
from nova.tests.real import launcher_support as support

TREE = 'api:cell1=1;cell1:gc1=1'
TARGET = 'api!cell1!gc1'
# More than one: without the hint cell1 and gc1 weigh the same, so some
# would land in cell1.
HINTED = 3
ACTIVE_TIMEOUT = 60.0
DELETE_TIMEOUT = 60.0


@pytest.fixture
def deployment(real_services: None, tmp_path: pathlib.Path
               ) -> Iterator[Any]:
    """api -> cell1 -> gc1 running; removed however the test ends."""
    with support.running(tmp_path, tree=TREE) as dep:
        yield dep


def _check_layout(dep: Any) -> None:
    """Each cells table names its parent and children; configs match."""
    expected = {
        'api': {('cell1', 0)},
        'cell1': {('api', 1), ('gc1', 0)},
        'gc1': {('cell1', 1)},
    }
    for cell, rows in expected.items():
        found = {(str(n), int(p)) for n, p in dep.query(
            cell, 'SELECT name, is_parent FROM cells WHERE deleted = 0')}
        assert found == rows, (cell, found)
    ranges = {}
    for plan in dep.cells:
        conf = configparser.ConfigParser(interpolation=None)
        conf.read(plan.conf)
        assert conf['cells']['cell_type'] == (
            'api' if plan.name == 'api' else 'compute'), plan.name
        if plan.compute_hosts:
            ranges[plan.name] = conf['network']['fixed_range']
    assert set(ranges) == {'cell1', 'gc1'}
    assert len(set(ranges.values())) == 2, ranges
    print(f'\ncells tables: {expected}; cell_type compute below the API '
          f'cell; fixed ranges {ranges}')


def _boot(api: str, name: str, hints: dict[str, str] | None = None
          ) -> str:
    body: dict[str, Any] = {'server': {'name': name, 'flavorRef': '1',
                                       'imageRef': images.DEFAULT_IMAGE_ID}}
    if hints is not None:
        body['os:scheduler_hints'] = hints
    status, reply = support.request(api, 'POST', '/v2.1/servers', body)
    assert status == 202, (status, reply)
    return str(reply['server']['id'])


def _rows(dep: Any, cell: str, instance_uuid: str) -> list[int]:
    """The ``deleted`` column of every row of the instance in a cell."""
    return [int(d) for (d,) in dep.query(
        cell, 'SELECT deleted FROM instances WHERE uuid = %s',
        (instance_uuid,))]


@pytest.mark.timeout(600)
def test_target_cell_hint_reaches_a_grandchild(deployment: Any) -> None:
    dep = deployment
    api = dep.api_url
    with support.logs_on_failure(dep):
        _check_layout(dep)

        started = time.monotonic()
        hinted: dict[str, dict[str, Any]] = {
            _boot(api, f'hinted-{n}', {'target_cell': TARGET}): {}
            for n in range(HINTED)}
        took = support.wait_active(api, hinted, ACTIVE_TIMEOUT)
        print(f'{HINTED} servers with target_cell={TARGET} ACTIVE '
              f'{time.monotonic() - started:.1f}s after the first POST '
              f'(waited {took:.1f}s)')

        top = support.live_instances(dep, 'api')
        gc1_hosts = set(dep.cell('gc1').compute_hosts)
        for server_id, seen in hinted.items():
            assert top.get(server_id) == TARGET, (server_id, top)
            assert _rows(dep, 'gc1', server_id) == [0], server_id
            assert _rows(dep, 'cell1', server_id) == [], server_id
            assert seen['OS-EXT-SRV-ATTR:host'] in gc1_hosts, seen
        print(f'each: API row cell_name {TARGET!r}, live in gc1 on '
              f'{sorted(gc1_hosts)}, no row at all in cell1')

        free = _boot(api, 'unhinted')
        support.wait_active(api, {free: {}}, ACTIVE_TIMEOUT)
        where = support.live_instances(dep, 'api')[free]
        computing = {dep.cell_path(c.name): c.name for c in dep.cells
                     if c.compute_hosts}
        assert where in computing, (where, computing)
        home = computing[where]
        assert _rows(dep, home, free) == [0]
        for other in set(computing.values()) - {home}:
            assert _rows(dep, other, free) == [], other
        print(f'without a hint: ACTIVE in {where} (live there only)')

        started = time.monotonic()
        for server_id in [*hinted, free]:
            status, body = support.request(api, 'DELETE',
                                           f'/v2.1/servers/{server_id}')
            assert status == 204, (server_id, status, body)
        gone = support.wait_all_deleted(dep, DELETE_TIMEOUT)
        for server_id in [*hinted, free]:
            status, _ = support.request(api, 'GET',
                                        f'/v2.1/servers/{server_id}')
            assert status == 404, (server_id, status)
        print(f'all {HINTED + 1} deleted: no live instance row in '
              f'{", ".join(c.name for c in dep.cells)} {gone:.1f}s after '
              f'the first DELETE ({time.monotonic() - started:.1f}s), '
              'GET answers 404')
