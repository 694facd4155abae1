"""What the real tests of the launcher (``nova.tools.launcher``) share.

``running()`` brings a tree up as separate daemons and always takes it
down again, failing the test if a process, database or vhost is left
behind; the rest is a minimal REST client of the API cell, a bounded
poll and views of the cells' databases.  Daemon logs are printed when a
test fails inside ``logs_on_failure()``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import contextlib
import pathlib
import time
from typing import Any
import uuid

import pytest

from nova.tools import faults
from nova.tools import launcher

TOKEN = 'admin:admin'
UP_TIMEOUT = 180.0


def dump_logs(deployment: launcher.Deployment, lines: int = 40) -> None:
    for proc in deployment.processes:
        state = 'alive' if proc.is_alive() else 'DEAD'
        print(f'\n----- {proc.name} (pid {proc.pid}, {state}): last '
              f'{lines} lines of {proc.log} -----')
        print(deployment.log_tail(proc, lines), end='')
    manage_log = deployment.workdir / 'logs' / 'nova-manage.log'
    if manage_log.exists():
        print(f'\n----- {manage_log} -----')
        print(launcher.tail(str(manage_log), lines), end='')


@contextlib.contextmanager
def logs_on_failure(deployment: launcher.Deployment) -> Iterator[None]:
    try:
        yield
    except BaseException:
        dump_logs(deployment)
        raise


@contextlib.contextmanager
def running(tmp_path: pathlib.Path,
            **kwargs: Any) -> Iterator[launcher.Deployment]:
    """A deployment (``launcher.Deployment(**kwargs)``) that is up.

    It is taken down however the test ends, and the test fails if
    ``down`` left anything behind.
    """
    prefix = f'lt_{uuid.uuid4().hex[:10]}'
    dep = launcher.Deployment(tmp_path / 'deployment', prefix=prefix,
                              **kwargs)
    try:
        with logs_on_failure(dep):
            dep.up(timeout=UP_TIMEOUT)
        yield dep
    finally:
        started = time.monotonic()
        try:
            dep.down(grace=20.0)
        finally:
            print(f'\ndown took {time.monotonic() - started:.1f}s')
            left = dep.leftovers()
        assert not left, f'down left behind: {left}'


# -- a minimal REST client --------------------------------------------------

def request(api_url: str, method: str, path: str,
            body: dict[str, Any] | None = None) -> tuple[int, Any]:
    return faults.request(api_url, method, path, body, token=TOKEN,
                          timeout=30)


def wait_for(what: str, timeout: float,
             check: Callable[[], tuple[bool, str]]) -> float:
    """Poll ``check`` (-> (done, progress)) until done; seconds taken."""
    started = time.monotonic()
    progress = ''
    while time.monotonic() - started < timeout:
        done, progress = check()
        if done:
            return time.monotonic() - started
        time.sleep(0.5)
    pytest.fail(f'{what}: not done after {timeout:.0f}s ({progress})')


def wait_active(api_url: str, servers: dict[str, dict[str, Any]],
                timeout: float) -> float:
    """Poll the API until every server of ``servers`` (id -> the last
    view of it, updated here) is ACTIVE; fails at once on ERROR."""

    def all_active() -> tuple[bool, str]:
        for server_id, seen in servers.items():
            if seen.get('status') == 'ACTIVE':
                continue
            status, body = request(api_url, 'GET',
                                   f'/v2.1/servers/{server_id}')
            assert status == 200, (status, body)
            seen.update(body['server'])
            assert seen['status'] != 'ERROR', seen
        counts: dict[str, int] = {}
        for seen in servers.values():
            counts[seen['status']] = counts.get(seen['status'], 0) + 1
        return counts.get('ACTIVE', 0) == len(servers), str(counts)

    return wait_for(f'{len(servers)} server(s) ACTIVE', timeout, all_active)


def live_instances(dep: Any, cell: str) -> dict[str, str | None]:
    """uuid -> cell_name of the live instance rows of one cell's DB."""
    rows = dep.query(cell, 'SELECT uuid, cell_name FROM instances '
                           'WHERE deleted = 0')
    return {str(u): c for u, c in rows}


def wait_all_deleted(dep: Any, timeout: float) -> float:
    """Wait until no cell's database holds a live instance row."""

    def all_gone() -> tuple[bool, str]:
        live = {cell.name: len(live_instances(dep, cell.name))
                for cell in dep.cells}
        return not any(live.values()), f'live rows: {live}'

    return wait_for('servers deleted everywhere', timeout, all_gone)
