"""The configuration files a deployment runs on.

One ``nova.conf`` per cell (:func:`cell_config`), one small override per
compute host (:func:`compute_host_config`) and per extra daemon, all
written by :func:`write_private` (they hold the broker password).  The
intervals below are short so that a deployment is usable within seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
import os
from typing import Any

from nova.tools.launcher.backends import Backends
from nova.tools.launcher.errors import LauncherError
from nova.tools.launcher.plan import CellPlan

REPORT_INTERVAL = 5
SERVICE_DOWN_TIME = 30
CAPACITY_UPDATE_INTERVAL = 5
DB_CHECK_INTERVAL = 10
CALL_TIMEOUT = 30
# A middle cell passes a child's report up this long after it (nova-cells'
# REPORT_DELAY).
REPORT_DELAY = 1.0

# Of MariaDB's max_connections, the share a deployment leaves to everyone
# else (tests, tools, nova-manage, other deployments), and at least this
# many connections.
HEADROOM_SHARE = 0.4
MIN_HEADROOM = 30
# A daemon's pool (max_pool_size + max_overflow) is at most this, at least
# MIN_POOL.
MAX_POOL = 30
MIN_POOL = 2

# Extra configuration: section -> option -> value.
Overrides = dict[str, dict[str, Any]]


def ini(sections: Overrides, header: str) -> str:
    """An INI file of ``sections`` below ``header`` as comment lines."""
    out = [f'# {line}'.rstrip() for line in header.splitlines()]
    for section, options in sections.items():
        out += ['', f'[{section}]']
        out += [f'{key} = {ini_value(value)}'
                for key, value in options.items()]
    return '\n'.join(out) + '\n'


def ini_value(value: Any) -> str:
    """``value`` as oslo.config reads it back."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def write_private(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only (the files
    hold the broker password) from the moment it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)


def parse_overrides(items: Iterable[str]) -> Overrides:
    """``SECTION.OPTION=VALUE`` items as section -> option -> value."""
    overrides: Overrides = {}
    for item in items:
        key, equals, value = item.partition('=')
        section, dot, option = key.strip().partition('.')
        if not (equals and dot and section and option):
            raise LauncherError(f'bad --set {item!r}: expected '
                                'SECTION.OPTION=VALUE')
        overrides.setdefault(section, {})[option.strip()] = value.strip()
    return overrides


def pool_size(max_connections: int, daemons: int) -> tuple[int, int]:
    """``(max_pool_size, max_overflow)`` of each of ``daemons`` daemons
    sharing a MariaDB that takes ``max_connections`` in all.

    The daemons together may open at most ``max_connections`` less a
    headroom (:data:`HEADROOM_SHARE` of it, at least
    :data:`MIN_HEADROOM`), so that a burst of every daemon at once never
    meets ``1040 Too many connections``; each gets an equal share, between
    :data:`MIN_POOL` and :data:`MAX_POOL`, half kept open, half overflow.
    """
    headroom = max(MIN_HEADROOM, int(max_connections * HEADROOM_SHARE))
    share = (max_connections - headroom) // max(1, daemons)
    share = max(MIN_POOL, min(MAX_POOL, share))
    kept = max(1, share // 2)
    return kept, share - kept


def cell_config(plan: CellPlan, backends: Backends, state_path: str,
                api_port: int, debug: bool,
                overrides: Overrides | None = None,
                api_sections: Overrides | None = None,
                pool: tuple[int, int] = (10, 20)) -> str:
    """The nova.conf of one cell (the API cell, a middle or a leaf cell).

    ``api_sections`` go into the API cell's only (keystone and Glance);
    ``overrides`` (section -> option -> value) are set last, in every
    cell, e.g. ``{'cells': {'heal_interval': 2}}``; ``pool`` is each
    daemon's ``(max_pool_size, max_overflow)`` (see :func:`pool_size`).
    """
    sections: Overrides = {
        'DEFAULT': {
            'host': plan.name,
            'transport_url': backends.transport_url(plan.vhost),
            'state_path': state_path,
            'report_interval': REPORT_INTERVAL,
            'service_down_time': SERVICE_DOWN_TIME,
            'debug': debug,
        },
        # Every daemon of every tree shares one MariaDB (151 connections
        # by default): pools sized from it.  The benchmarks set the
        # defaults back.
        'database': {'connection': backends.database_url(plan.database),
                     'max_pool_size': pool[0], 'max_overflow': pool[1]},
        # Without heartbeats an RPC listener waits at most a second on the
        # broker (with them up to five), and stopping a server waits for
        # that: daemons stop in seconds, not tens of seconds.  A broker on
        # this machine needs no dead-connection detection.
        'oslo_messaging_rabbit': {'heartbeat_timeout_threshold': 0},
        'cells': {
            'enable': True,
            'name': plan.name,
            'cell_type': 'api' if plan.is_api else 'compute',
            'call_timeout': CALL_TIMEOUT,
            'capacity_update_interval': CAPACITY_UPDATE_INTERVAL,
            'db_check_interval': DB_CHECK_INTERVAL,
        },
    }
    if plan.is_api:
        sections['DEFAULT']['compute_api_class'] = \
            'nova.compute.cells_api.ComputeCellsAPI'
        sections['api'] = {'auth_strategy': 'noauth2',
                           'osapi_compute_listen': '127.0.0.1',
                           'osapi_compute_listen_port': api_port}
        for section, options in (api_sections or {}).items():
            sections.setdefault(section, {}).update(options)
    if plan.compute_hosts:
        sections['network'] = {'fixed_range': plan.fixed_range}
        sections['fake_driver'] = {'vcpus': 16, 'memory_mb': 32768,
                                   'local_gb': 1000}
    for section, options in (overrides or {}).items():
        sections.setdefault(section, {}).update(options)
    header = (f'{plan.role} "{plan.name}", written by tools/launch.\n'
              'Holds the broker password: keep it private.')
    return ini(sections, header)


def compute_host_config(host: str) -> str:
    """The file a compute host reads after its cell's: its host name."""
    return ini({'DEFAULT': {'host': host}},
               f'Compute host {host}: read after its cell\'s file.')


def extra_daemon_config(name: str, cell: str,
                        overrides: Overrides | None) -> str:
    """The file an extra daemon reads after its cell's."""
    return ini(overrides or {}, f'Extra daemon {name} of cell {cell}: read '
               "after its cell's file.")


def all_in_one_config(plan: CellPlan, state_path: str, debug: bool) -> str:
    """The top file of a cell's ``nova-all`` process: the cell's file and
    its compute hosts (see ``Deployment._spawn_cell``)."""
    return ini({'DEFAULT': {'state_path': state_path, 'debug': debug},
                'all': {'cell_config_files': plan.conf,
                        'compute_hosts': ','.join(plan.compute_hosts)}},
               f'Cell {plan.name}: every service in one nova-all process '
               '(bench and development mode).')
