"""Moves between cells on RabbitMQ and MariaDB, as separate daemons.

One deployment of ``nova.tools.launcher`` (the API cell above cell1 and
cell2, two compute hosts each) with a short ``[cells] heal_interval`` and
``call_timeout`` and hypervisor actions that take a second, so that a
move is in flight long enough to strike:

* ``nova-manage cell drain cell1`` moves 20 servers into cell2: every one
  ends ACTIVE there, none is left in cell1 or held twice, and the API
  cell's copies match cell2's database;
* the source's or the target's nova-cells is SIGKILLed while a server
  moves and started again: within a few heal intervals the server is
  usable again and, once its move is confirmed if it got that far, held
  by exactly one cell, the one the API cell names.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import signal
import subprocess
import time
from typing import Any
import urllib.error
import urllib.request

import pytest

from nova.compute import images
from nova.tests.real import launcher_support as support

HEAL_INTERVAL = 3
CALL_TIMEOUT = 5
OVERRIDES = {
    'cells': {'heal_interval': HEAL_INTERVAL, 'call_timeout': CALL_TIMEOUT,
              'instance_updated_at_threshold': 900},
    'fake_driver': {'action_delay': 1.0},
    'quota': {'instances': -1, 'cores': -1, 'ram': -1},
}
DRAINED = 20
COMPARED = ('vm_state', 'task_state', 'power_state', 'host')


@pytest.fixture(scope='module')
def dep(real_services: None,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with support.running(tmp_path_factory.mktemp('moves'),
                         tree='api:cell1,cell2',
                         overrides=OVERRIDES) as deployment:
        with support.logs_on_failure(deployment):
            yield deployment


def _request(dep: Any, method: str, path: str, body: Any = None,
             version: str = '2.56') -> tuple[int, Any]:
    req = urllib.request.Request(
        dep.api_url + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={'X-Auth-Token': support.TOKEN,
                 'Content-Type': 'application/json',
                 'OpenStack-API-Version': 'compute ' + version})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None


def _boot_in(dep: Any, cell: str, count: int) -> list[str]:
    ids = []
    for n in range(count):
        status, body = _request(dep, 'POST', '/v2.1/servers', {
            'server': {'name': f'mv-{n}', 'flavorRef': '1',
                       'imageRef': images.DEFAULT_IMAGE_ID,
                       'networks': 'none'},
            'os:scheduler_hints': {'target_cell': 'api!' + cell}})
        assert status == 202, body
        ids.append(body['server']['id'])
    support.wait_active(dep.api_url, {i: {} for i in ids}, 120)
    return ids


def _rows(dep: Any, cell: str) -> list[dict[str, Any]]:
    columns = ('uuid', 'cell_name') + COMPARED
    return [dict(zip(columns, row, strict=True)) for row in dep.query(
        cell, 'SELECT %s FROM instances WHERE deleted = 0'
        % ', '.join(columns))]


def _holders(dep: Any, uuid: str) -> list[str]:
    return [cell for cell in ('cell1', 'cell2')
            for row in _rows(dep, cell) if row['uuid'] == uuid]


def _manage(dep: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [dep._binary('nova-manage'), '--config-file', dep.api_cell.conf,
         *args], capture_output=True, text=True, timeout=900, check=False)


def _delete_all(dep: Any) -> None:
    for row in _rows(dep, 'api'):
        support.request(dep.api_url, 'DELETE', f"/v2.1/servers/{row['uuid']}")
    support.wait_all_deleted(dep, 120)


def test_drain_moves_twenty_servers_into_the_other_cell(dep):
    ids = _boot_in(dep, 'cell1', DRAINED)
    try:
        result = _manage(dep, 'cell', 'drain', 'cell1', '--timeout', '120')
        print(result.stdout)
        assert result.returncode == 0, result.stdout + result.stderr
        moved = [line for line in result.stdout.splitlines()
                 if line.endswith('-> api!cell2')]
        assert len(moved) == DRAINED

        def settled() -> tuple[bool, str]:
            top = {r['uuid']: r for r in _rows(dep, 'api')}
            cell2 = _rows(dep, 'cell2')
            done = (not _rows(dep, 'cell1')
                    and sorted(r['uuid'] for r in cell2) == sorted(ids)
                    and all(top[r['uuid']]['cell_name'] == 'api!cell2'
                            and all(top[r['uuid']][k] == r[k]
                                    for k in COMPARED)
                            and r['vm_state'] == 'active'
                            for r in cell2))
            return done, f'{len(cell2)} in cell2'
        support.wait_for('20 servers alone in cell2, top matching', 60,
                         settled)
        for server_id in ids:
            status, body = _request(dep, 'GET', f'/v2.1/servers/{server_id}')
            assert body['server']['status'] == 'ACTIVE'
        # cell1 takes no build while it is disabled.
        [after] = _boot_in(dep, 'cell2', 1)
        assert _holders(dep, after) == ['cell2']
    finally:
        _manage(dep, 'cell', 'update', '--cell_name', 'cell1', '--enable')
        _delete_all(dep)


@pytest.mark.parametrize('victim', ['cell2-cells', 'cell1-cells'])
def test_a_nova_cells_killed_mid_move_leaves_one_cell_holding_it(dep,
                                                                  victim):
    [server_id] = _boot_in(dep, 'cell1', 1)
    try:
        status, body = _request(dep, 'POST',
                                f'/v2.1/servers/{server_id}/action',
                                {'migrate': {'host': 'api!cell2'}})
        assert status == 202, body
        # The source stops the guest for a second; the target then runs
        # it for another: strike in the step of the victim.
        if victim == 'cell2-cells':
            support.wait_for('the move reaching cell2', 30, lambda: (
                bool(_holders(dep, server_id).count('cell2')), ''))
        else:
            time.sleep(0.3)
        dep.kill(victim, signal.SIGKILL)
        time.sleep(2)
        dep.restart(victim)

        def usable() -> tuple[bool, str]:
            status, body = _request(dep, 'GET', f'/v2.1/servers/{server_id}')
            state = body['server']['status'] if status == 200 else status
            return state in ('ACTIVE', 'VERIFY_RESIZE'), str(state)
        support.wait_for('the server usable again',
                         4 * CALL_TIMEOUT + 6 * HEAL_INTERVAL + 30, usable)
        status, body = _request(dep, 'GET', f'/v2.1/servers/{server_id}')
        if body['server']['status'] == 'VERIFY_RESIZE':
            assert _request(dep, 'POST', f'/v2.1/servers/{server_id}/action',
                            {'confirmResize': None})[0] == 204

        def one_holder() -> tuple[bool, str]:
            holders = _holders(dep, server_id)
            top = [r for r in _rows(dep, 'api') if r['uuid'] == server_id]
            ok = (len(holders) == 1 and top
                  and top[0]['cell_name'] == 'api!' + holders[0]
                  and top[0]['vm_state'] == 'active'
                  and top[0]['task_state'] is None)
            return bool(ok), f'held by {holders}'
        support.wait_for('exactly one cell holding it',
                         2 * CALL_TIMEOUT + 4 * HEAL_INTERVAL + 30,
                         one_holder)
    finally:
        _delete_all(dep)
