#!/usr/bin/env python3
"""Dev launcher: a whole cells tree as separate daemons on RabbitMQ + MariaDB.

What it builds by default (``--children 2``)::

            api          nova-api + nova-cells              DB <prefix>_api
           /    \\
       cell1    cell2    nova-cells, nova-scheduler,         DB <prefix>_cellN
                         nova-network, 2 x nova-compute

Any tree can be asked for with ``--tree``: ``PARENT:CHILD,CHILD`` pairs
separated by ``;``, e.g. ``--tree 'api:cell1,cell2;cell1:gc1'``::

            api          nova-api + nova-cells
           /    \\
       cell1    cell2    cell1: nova-cells only (a middle cell)
         |               cell2: nova-cells + scheduler, network, computes
        gc1              gc1:   nova-cells + scheduler, network, computes

The root (the one cell that is nobody's child) is the API cell.  A cell
name may carry ``=N``, the number of compute hosts it runs (wherever the
name appears, once): a leaf cell runs ``--computes`` hosts (default 2)
unless told otherwise, a middle cell (a cell with children) runs none and
only nova-cells unless given some, e.g. ``'api:cell1=1;cell1:gc1=3'``.
A cell that runs compute hosts also runs nova-scheduler and nova-network
and gets its own ``[network] fixed_range`` (``10.<n>.0.0/24``).  Every
cell below the API cell has ``[cells] cell_type = compute``; its
``cells`` table lists its parent (``--cell_type parent``) and its
children (``--cell_type child``).  Names: a letter, then letters, digits
or ``_``, at most 23 characters.

Every cell gets its own RabbitMQ virtual host and its own MariaDB
database, both named ``<prefix>_<cell>``; one configuration file per cell
(and one small override per compute host) is written into the work
directory, the schemas are synced and the ``cells`` tables filled with
``nova-manage``, then the daemons are started, each in its own process
group with its log in ``<workdir>/logs``: first everything but nova-cells,
then nova-cells level by level from the top, each level once the level
above consumes its inter-cell queues, so that every first capacity report
reaches a listening parent.  The pids and everything created are recorded
in ``<workdir>/launcher-state.json`` so that ``down`` stops exactly those
processes and drops exactly those databases and vhosts.

Command line (from the repository root)::

    .venv/bin/python tools/launcher.py up     [--prefix P] [--workdir D]
                                              [--children N | --tree T]
                                              [--computes N] [--api-port N]
                                              [--set SECTION.OPTION=VALUE]
    .venv/bin/python tools/launcher.py status [--prefix P] [--workdir D]
    .venv/bin/python tools/launcher.py kill    NAME [--signal KILL] [...]
    .venv/bin/python tools/launcher.py restart NAME [--prefix P] [...]
    .venv/bin/python tools/launcher.py down   [--prefix P] [--workdir D]
                                              [--keep]

``--set`` adds an option to every cell's nova.conf (e.g.
``--set cells.heal_interval=2``).  ``kill`` signals one daemon by its
recorded pid and waits until it is gone; ``restart`` starts it again
with the same command line (stopping it first if it runs).

From Python (the real tests do this)::

    deployment = Deployment(workdir, prefix='demo',
                            tree='api:cell1;cell1:gc1')   # or children=2
    deployment.up()                 # returns once every service reported
    deployment.api_url              # 'http://127.0.0.1:<port>'
    deployment.query('gc1', 'SELECT uuid FROM instances')
    deployment.kill('cell1-cells')  # SIGKILL by recorded pid, then
    deployment.restart('cell1-cells')   # the same command line again
    deployment.start_service('cell1', 'scheduler', 'cell1-extra',
                             {'DEFAULT': {'host': 'extra'}})  # one more
    deployment.stop('cell1-extra')  # SIGTERM, and forget it
    deployment.down()

Faults inside one cell (its broker or database connections) are
``tools/faults.py``.

Processes are only ever signalled by the pid recorded when they were
started, and only while ``/proc`` still shows the same process (same start
time), never by name.  Passwords and transport URLs are never printed:
the configuration files hold them, readable by their owner only.
Requires Linux (``/proc``), ``rabbitmqctl`` on the PATH and a MariaDB
where root logs in over TCP without a password (``tools/setup-services``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
import concurrent.futures
import dataclasses
import functools
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import amqp
import amqp.exceptions
import pymysql

STATE_FILE = 'launcher-state.json'
DEFAULT_PREFIX = 'novadev'
ADMIN_TOKEN = 'admin:admin'
SETUP_HINT = ('run tools/setup-services once (as root) to let root log in '
              'to MariaDB over TCP without a password')

# Short intervals so that a deployment is usable within seconds.
REPORT_INTERVAL = 5
SERVICE_DOWN_TIME = 30
CAPACITY_UPDATE_INTERVAL = 5
DB_CHECK_INTERVAL = 10
CALL_TIMEOUT = 30
# A middle cell passes a child's report up this long after it (nova-cells'
# REPORT_DELAY).
REPORT_DELAY = 1.0

# The queues nova-cells consumes in its own vhost (oslo.messaging names a
# server's shared topic queue after the topic).
INTERCELL_QUEUES = tuple(f'cells.intercell.{kind}'
                         for kind in ('targeted', 'broadcast', 'response'))

_NAME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_]{0,39}$')
# <prefix>_<cell> must fit MariaDB's 64 characters.
_CELL_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_]{0,22}$')
MAX_CELLS = 200
MAX_COMPUTES = 50
# MariaDB's "Too many connections".
TOO_MANY_CONNECTIONS = 1040


LOOPBACK_HOSTS = ('127.0.0.1', '::1', 'localhost')

# Extra configuration: section -> option -> value.
Overrides = dict[str, dict[str, Any]]


class LauncherError(Exception):
    """The deployment could not be brought up, inspected or torn down."""


# -- the backing services ---------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Backends:
    """Where RabbitMQ and MariaDB listen, and how to log in to them."""

    rabbit_host: str = '127.0.0.1'
    rabbit_port: int = 5672
    rabbit_user: str = 'guest'
    rabbit_password: str = 'guest'
    mysql_host: str = '127.0.0.1'
    mysql_port: int = 3306
    mysql_user: str = 'root'
    mysql_password: str = ''

    def transport_url(self, vhost: str) -> str:
        """The cell's transport URL: holds a password, never print it."""
        quote = urllib.parse.quote
        return (f'rabbit://{quote(self.rabbit_user, safe="")}:'
                f'{quote(self.rabbit_password, safe="")}@{self.rabbit_host}:'
                f'{self.rabbit_port}/{quote(vhost, safe="")}')

    def database_url(self, database: str) -> str:
        """The SQLAlchemy URL of one cell database."""
        credentials = urllib.parse.quote(self.mysql_user, safe='')
        if self.mysql_password:
            credentials += ':' + urllib.parse.quote(self.mysql_password,
                                                    safe='')
        url = (f'mysql+pymysql://{credentials}@{self.mysql_host}:'
               f'{self.mysql_port}/{database}?charset=utf8mb4')
        if self.mysql_host in LOOPBACK_HOSTS:
            # TLS to a database on this machine protects nothing, and
            # offering it costs PyMySQL ~36 ms of CPU per connection.
            url += '&ssl_disabled=true'
        return url

    def connect(self, database: str | None = None, busy_wait: float = 30.0
                ) -> pymysql.connections.Connection:
        """A connection as the admin user; waits up to ``busy_wait``
        seconds while the server has too many connections (it is shared:
        another deployment may hold them for a while)."""
        deadline = time.monotonic() + busy_wait
        while True:
            try:
                return self._connect(database)
            except pymysql.err.OperationalError as exc:
                if (exc.args and exc.args[0] == TOO_MANY_CONNECTIONS
                        and time.monotonic() < deadline):
                    time.sleep(0.5)
                    continue
                raise self._connect_error(exc) from exc

    def _connect(self, database: str | None
                 ) -> pymysql.connections.Connection:
        return pymysql.connect(
            host=self.mysql_host, port=self.mysql_port,
            user=self.mysql_user, password=self.mysql_password,
            database=database, connect_timeout=5, autocommit=True)

    def _connect_error(self, exc: pymysql.err.OperationalError
                       ) -> LauncherError:
        code = exc.args[0] if exc.args else None
        if code in (1045, 1698):  # access denied
            return LauncherError(
                f'MariaDB at {self.mysql_host}:{self.mysql_port} refuses '
                f'{self.mysql_user} over TCP ({exc.args[-1]}); {SETUP_HINT}')
        return LauncherError(f'cannot reach MariaDB at {self.mysql_host}:'
                             f'{self.mysql_port}: {exc.args[-1]}')

    def rabbitmqctl(self, *args: str) -> str:
        if shutil.which('rabbitmqctl') is None:
            raise LauncherError('rabbitmqctl is not on the PATH; install '
                                'RabbitMQ and run tools/setup-services')
        result = subprocess.run(['rabbitmqctl', '-q', *args],
                                capture_output=True, text=True,
                                timeout=120, check=False)
        if result.returncode != 0:
            raise LauncherError(f'rabbitmqctl {args[0]} failed: '
                                f'{result.stderr.strip()}')
        return result.stdout

    def check(self) -> None:
        """Raise :class:`LauncherError` unless both services are usable."""
        try:
            with socket.create_connection(
                    (self.rabbit_host, self.rabbit_port), timeout=3):
                pass
        except OSError as exc:
            raise LauncherError(
                f'RabbitMQ is not listening on {self.rabbit_host}:'
                f'{self.rabbit_port} ({exc}); start it and run '
                'tools/setup-services') from exc
        self.rabbitmqctl('list_vhosts')
        self.connect().close()

    # -- vhosts and databases ----------------------------------------------

    def list_vhosts(self) -> set[str]:
        lines = self.rabbitmqctl('list_vhosts', 'name').splitlines()
        return {line.strip() for line in lines}

    def vhost_exists(self, vhost: str) -> bool:
        return vhost in self.list_vhosts()

    def add_vhost(self, vhost: str) -> None:
        self.rabbitmqctl('add_vhost', vhost)

    def grant_vhost(self, vhost: str) -> None:
        self.rabbitmqctl('set_permissions', '-p', vhost, self.rabbit_user,
                         '.*', '.*', '.*')

    def unconsumed_queues(self, vhost: str,
                          queues: Iterable[str]) -> list[str]:
        """Those of ``queues`` missing in ``vhost`` or without consumer."""
        conn = amqp.Connection(
            host=f'{self.rabbit_host}:{self.rabbit_port}',
            userid=self.rabbit_user, password=self.rabbit_password,
            virtual_host=vhost, connect_timeout=5)
        missing = []
        try:
            conn.connect()
            for queue in queues:
                # A passive declare of a missing queue closes the channel.
                channel = conn.channel()
                try:
                    ok = channel.queue_declare(queue, passive=True)
                    if not ok.consumer_count:
                        missing.append(queue)
                except amqp.exceptions.NotFound:
                    missing.append(queue)
                    continue
                channel.close()
        except (OSError, amqp.exceptions.AMQPError) as exc:
            raise LauncherError(f'cannot look at the queues of vhost '
                                f'{vhost}: {exc}') from exc
        finally:
            try:
                conn.close()
            except (OSError, amqp.exceptions.AMQPError):
                conn.collect()
        return missing

    def delete_vhost(self, vhost: str) -> None:
        if self.vhost_exists(vhost):
            self.rabbitmqctl('delete_vhost', vhost)

    def database_exists(self, database: str) -> bool:
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute('SELECT 1 FROM information_schema.schemata '
                           'WHERE schema_name = %s', (database,))
            return cursor.fetchone() is not None

    def create_database(self, database: str) -> None:
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE `{database}` CHARACTER SET '
                           'utf8mb4 COLLATE utf8mb4_general_ci')

    def drop_database(self, database: str) -> None:
        with self.connect() as conn, conn.cursor() as cursor:
            # A connection left open (a daemon killed mid-query) would hold
            # a metadata lock and make DROP DATABASE wait forever.
            cursor.execute('SELECT id FROM information_schema.processlist '
                           'WHERE db = %s AND id <> CONNECTION_ID()',
                           (database,))
            for (thread_id,) in cursor.fetchall():
                try:
                    cursor.execute(f'KILL CONNECTION {int(thread_id)}')
                except pymysql.MySQLError:
                    pass  # it ended on its own meanwhile
            cursor.execute(f'DROP DATABASE IF EXISTS `{database}`')


# -- the shape of the tree --------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TreeCell:
    """One cell of a ``--tree``: its parent and how many compute hosts."""

    name: str
    parent: str | None
    computes: int
    children: tuple[str, ...] = ()


def default_tree(children: int) -> str:
    """The ``--tree`` of an API cell above ``children`` child cells."""
    return 'api:' + ','.join(f'cell{n}' for n in range(1, children + 1))


def parse_tree(spec: str, computes: int = 2) -> list[TreeCell]:
    """The cells of a ``--tree`` spec: the root first, then by level.

    ``spec`` is ``PARENT:CHILD[,CHILD...]`` entries joined by ``;``; a
    name may carry ``=N`` compute hosts.  Without it a leaf runs
    ``computes`` hosts, a middle cell and the root none.  Raises
    :class:`LauncherError` unless ``spec`` is one tree.
    """
    children_of: dict[str, list[str]] = {}
    parent_of: dict[str, str] = {}
    counts: dict[str, int] = {}

    def cell(token: str) -> str:
        name, has_count, count = (part.strip()
                                  for part in token.partition('='))
        if not _CELL_RE.match(name):
            raise LauncherError(
                f'bad cell name {name!r} in --tree: a letter, then letters, '
                'digits or _ (at most 23)')
        if has_count:
            if not count.isdigit() or int(count) > MAX_COMPUTES:
                raise LauncherError(
                    f'bad compute host count {count!r} for cell {name}: '
                    f'0 to {MAX_COMPUTES}')
            if counts.setdefault(name, int(count)) != int(count):
                raise LauncherError(f'two compute host counts for {name}')
        return name

    for entry in spec.split(';'):
        if not entry.strip():
            continue
        parent_part, colon, kids_part = entry.partition(':')
        if not colon:
            raise LauncherError(f'bad --tree entry {entry.strip()!r}: '
                                'expected PARENT:CHILD[,CHILD...]')
        parent = cell(parent_part)
        if parent in children_of:
            raise LauncherError(f'the children of {parent} are listed '
                                'twice in --tree')
        kids = [cell(token) for token in kids_part.split(',')]
        children_of[parent] = kids
        for kid in kids:
            if kid == parent:
                raise LauncherError(f'cell {kid} is its own child')
            if kid in parent_of:
                raise LauncherError(
                    f'cell {kid} is listed twice under {parent}'
                    if parent_of[kid] == parent else
                    f'cell {kid} has two parents in --tree '
                    f'({parent_of[kid]} and {parent})')
            parent_of[kid] = parent

    roots = [name for name in children_of if name not in parent_of]
    if len(roots) != 1:
        raise LauncherError('--tree must have exactly one root (the API '
                            f"cell), not {roots or 'none'}")
    root = roots[0]
    if counts.get(root):
        raise LauncherError(f'the API cell {root} runs no compute host')
    ordered = [root]
    for name in ordered:  # grows while read: breadth first
        ordered += children_of.get(name, [])
    unreachable = (set(parent_of) | set(children_of)) - set(ordered)
    if unreachable:
        raise LauncherError('cells not below the root in --tree (a '
                            f'cycle?): {sorted(unreachable)}')
    if len(ordered) > MAX_CELLS:
        raise LauncherError(f'--tree has more than {MAX_CELLS} cells')
    return [TreeCell(name, parent_of.get(name),
                     counts.get(name, 0 if name in children_of or
                                name == root else computes),
                     tuple(children_of.get(name, ())))
            for name in ordered]


def format_tree(cells: Iterable[TreeCell]) -> str:
    """The spec of ``cells`` with every count spelt out."""
    by_name = {c.name: c for c in cells}
    return ';'.join(
        f'{c.name}:' + ','.join(f'{k}={by_name[k].computes}'
                                for k in c.children)
        for c in by_name.values() if c.children)


# -- what runs where --------------------------------------------------------

@dataclasses.dataclass
class CellPlan:
    """One cell of the tree: its name, resources and daemons."""

    name: str
    is_api: bool
    database: str
    vhost: str
    conf: str
    fixed_range: str | None = None
    compute_hosts: list[str] = dataclasses.field(default_factory=list)
    parent: str | None = None
    children: list[str] = dataclasses.field(default_factory=list)
    level: int = 0

    @property
    def role(self) -> str:
        if self.is_api:
            return 'API cell'
        return 'middle cell' if self.children else 'child cell'

    @property
    def expected_services(self) -> set[tuple[str, str]]:
        """(host, binary) pairs that must have reported in this cell."""
        if not self.compute_hosts:
            return {(self.name, 'nova-cells')}
        wanted = {(self.name, f'nova-{binary}')
                  for binary in ('cells', 'scheduler', 'network')}
        wanted |= {(host, 'nova-compute') for host in self.compute_hosts}
        return wanted


@dataclasses.dataclass
class ManagedProcess:
    """A daemon the launcher started, as recorded in the state file."""

    name: str
    cell: str
    argv: list[str]
    log: str
    pid: int = 0
    starttime: str = ''

    def is_alive(self) -> bool:
        """Still running, and still the process that was started."""
        return _proc_identity(self.pid) == self.starttime != ''


def _proc_identity(pid: int) -> str:
    """The start time of ``pid`` from /proc; '' if gone or a zombie."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            stat = f.read()
    except OSError:
        return ''
    # The command name (2nd field) may hold spaces: split after its ')'.
    fields = stat[stat.rindex(')') + 2:].split()
    if fields[0] in ('Z', 'X'):
        return ''
    return fields[19]  # field 22 of stat(5), the start time


def _free_port(host: str = '127.0.0.1') -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tail(path: str, lines: int) -> str:
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError as exc:
        return f'<cannot read {path}: {exc}>'


# -- configuration files ----------------------------------------------------

def _ini(sections: dict[str, dict[str, Any]], header: str) -> str:
    out = [f'# {line}'.rstrip() for line in header.splitlines()]
    for section, options in sections.items():
        out += ['', f'[{section}]']
        out += [f'{key} = {_ini_value(value)}'
                for key, value in options.items()]
    return '\n'.join(out) + '\n'


def _ini_value(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def cell_config(plan: CellPlan, backends: Backends, state_path: str,
                api_port: int, debug: bool,
                overrides: Overrides | None = None) -> str:
    """The nova.conf of one cell (the API cell, a middle or a leaf cell).

    ``overrides`` (section -> option -> value) are set last, in every
    cell, e.g. ``{'cells': {'heal_interval': 2}}``.
    """
    sections: dict[str, dict[str, Any]] = {
        'DEFAULT': {
            'host': plan.name,
            'transport_url': backends.transport_url(plan.vhost),
            'state_path': state_path,
            'report_interval': REPORT_INTERVAL,
            'service_down_time': SERVICE_DOWN_TIME,
            'debug': debug,
        },
        # Every daemon of every tree shares one MariaDB (151 connections
        # by default): small pools.  The benchmarks set the defaults back.
        'database': {'connection': backends.database_url(plan.database),
                     'max_pool_size': 10, 'max_overflow': 20},
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
    if plan.compute_hosts:
        sections['network'] = {'fixed_range': plan.fixed_range}
        sections['fake_driver'] = {'vcpus': 16, 'memory_mb': 32768,
                                   'local_gb': 1000}
    for section, options in (overrides or {}).items():
        sections.setdefault(section, {}).update(options)
    header = (f'{plan.role} "{plan.name}", written by tools/launcher.py.\n'
              'Holds the broker password: keep it private.')
    return _ini(sections, header)


def compute_host_config(host: str) -> str:
    return _ini({'DEFAULT': {'host': host}},
                f'Compute host {host}: read after its cell\'s file.')


# -- the deployment ---------------------------------------------------------

class Deployment:
    """A cells tree of separate daemons, recorded in ``workdir``.

    The tree is ``tree`` (a ``--tree`` spec, see the module docstring) or
    else an API cell above ``children`` (default 2) child cells; a leaf
    cell runs ``computes_per_cell`` compute hosts unless the spec says
    otherwise.  ``overrides`` (section -> option -> value) go into every
    cell's configuration file after the launcher's own settings.
    """

    def __init__(self, workdir: str | os.PathLike[str],
                 prefix: str = DEFAULT_PREFIX, children: int | None = None,
                 api_port: int = 0, computes_per_cell: int = 2,
                 backends: Backends | None = None,
                 bin_dir: str | None = None, debug: bool = False,
                 out: Callable[[str], None] | None = None,
                 tree: str | None = None,
                 overrides: Overrides | None = None) -> None:
        if not _NAME_RE.match(prefix):
            raise LauncherError('the prefix must start with a letter and '
                                'hold only letters, digits and _ (at most '
                                f'40): {prefix!r}')
        if tree is not None and children is not None:
            raise LauncherError('give either a tree or a number of '
                                'children, not both')
        if tree is None:
            children = 2 if children is None else children
            if not 1 <= children <= MAX_CELLS:
                raise LauncherError(
                    f'--children must be between 1 and {MAX_CELLS}')
            tree = default_tree(children)
        if not 0 <= computes_per_cell <= MAX_COMPUTES:
            raise LauncherError(
                f'--computes must be between 0 and {MAX_COMPUTES}')
        self.workdir = pathlib.Path(workdir).absolute()
        self.prefix = prefix
        self.computes_per_cell = computes_per_cell
        self.tree = format_tree(parse_tree(tree, computes_per_cell))
        self.api_port = api_port
        self.backends = backends or Backends()
        self.bin_dir = bin_dir or os.path.dirname(sys.executable)
        self.debug = debug
        self.overrides: Overrides = {
            section: dict(options)
            for section, options in (overrides or {}).items()}
        self.out = out or (lambda line: print(line, flush=True))
        self.cells: list[CellPlan] = self._plan()
        self.processes: list[ManagedProcess] = []
        # What this deployment created and must remove again.
        self.created_databases: list[str] = []
        self.created_vhosts: list[str] = []
        self._popen: dict[int, subprocess.Popen[bytes]] = {}
        # Seconds each step of the last up() took.
        self.timings: dict[str, float] = {}

    def _plan(self) -> list[CellPlan]:
        conf_dir = self.workdir / 'etc'
        cells: list[CellPlan] = []
        levels: dict[str, int] = {}
        computing = 0
        for spec in parse_tree(self.tree):
            name = spec.name
            levels[name] = 0 if spec.parent is None else \
                levels[spec.parent] + 1
            fixed_range = None
            if spec.computes:
                computing += 1  # at most MAX_CELLS: fits 10.<n>
                fixed_range = f'10.{computing}.0.0/24'
            cells.append(CellPlan(
                name, spec.parent is None, f'{self.prefix}_{name}',
                f'{self.prefix}_{name}', str(conf_dir / f'{name}.conf'),
                fixed_range=fixed_range,
                compute_hosts=[f'{name}-compute{i}'
                               for i in range(1, spec.computes + 1)],
                parent=spec.parent, children=list(spec.children),
                level=levels[name]))
        return cells

    # -- public views ------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f'http://127.0.0.1:{self.api_port}'

    @property
    def databases(self) -> dict[str, str]:
        """Cell name -> SQLAlchemy URL of its database."""
        return {c.name: self.backends.database_url(c.database)
                for c in self.cells}

    @property
    def database_names(self) -> dict[str, str]:
        return {c.name: c.database for c in self.cells}

    @property
    def vhosts(self) -> dict[str, str]:
        return {c.name: c.vhost for c in self.cells}

    @property
    def state_file(self) -> pathlib.Path:
        return self.workdir / STATE_FILE

    @property
    def api_cell(self) -> CellPlan:
        """The root of the tree, which runs nova-api."""
        return self.cells[0]

    @property
    def depth(self) -> int:
        """Number of levels: 2 for an API cell above leaf cells."""
        return max(plan.level for plan in self.cells) + 1

    def cell_path(self, name: str) -> str:
        """The routing path of a cell from the top, e.g. 'api!cell1!gc1'."""
        path = [name]
        while (parent := self.cell(path[-1]).parent) is not None:
            path.append(parent)
        return '!'.join(reversed(path))

    def level(self, level: int) -> list[CellPlan]:
        return [plan for plan in self.cells if plan.level == level]

    def cell(self, name: str) -> CellPlan:
        for plan in self.cells:
            if plan.name == name:
                return plan
        raise KeyError(name)

    def query(self, cell: str, sql: str,
              params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read-only statement against a cell's database."""
        conn = self.backends.connect(self.cell(cell).database)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, tuple(params))
                return list(cursor.fetchall())
        finally:
            conn.close()

    def log_tail(self, proc: ManagedProcess, lines: int = 40) -> str:
        return tail(proc.log, lines)

    def dead_processes(self) -> list[ManagedProcess]:
        for popen in self._popen.values():
            popen.poll()  # reap, so that /proc shows it gone
        return [p for p in self.processes if not p.is_alive()]

    # -- state file --------------------------------------------------------

    def save_state(self) -> None:
        state = {
            'prefix': self.prefix, 'tree': self.tree,
            'computes_per_cell': self.computes_per_cell,
            'api_port': self.api_port,
            'overrides': self.overrides,
            'created_databases': self.created_databases,
            'created_vhosts': self.created_vhosts,
            'processes': [dataclasses.asdict(p) for p in self.processes],
        }
        self.workdir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix('.tmp')
        tmp.write_text(json.dumps(state, indent=2) + '\n')
        tmp.replace(self.state_file)

    @classmethod
    def load(cls, workdir: str | os.PathLike[str],
             backends: Backends | None = None,
             out: Callable[[str], None] | None = None) -> Deployment:
        """The deployment recorded in ``workdir`` by an earlier ``up``."""
        path = pathlib.Path(workdir).absolute() / STATE_FILE
        try:
            state = json.loads(path.read_text())
        except FileNotFoundError:
            raise LauncherError(f'no deployment recorded in {workdir} '
                                f'(no {STATE_FILE})') from None
        except ValueError as exc:
            raise LauncherError(f'{path} is corrupt: {exc}') from exc
        # A state file of the launcher before --tree has 'children'.
        tree = state.get('tree') or default_tree(state['children'])
        deployment = cls(workdir, prefix=state['prefix'], tree=tree,
                         api_port=state['api_port'],
                         computes_per_cell=state['computes_per_cell'],
                         backends=backends, out=out,
                         overrides=state.get('overrides'))
        deployment.created_databases = list(state['created_databases'])
        deployment.created_vhosts = list(state['created_vhosts'])
        deployment.processes = [ManagedProcess(**p)
                                for p in state['processes']]
        return deployment

    # -- up ----------------------------------------------------------------

    def up(self, timeout: float = 180.0) -> float:
        """Create, configure and start everything; seconds it took.

        On failure whatever was started or created is left recorded in
        the state file: call :meth:`down` to remove it.
        """
        started = time.monotonic()
        if self.state_file.exists():
            old = Deployment.load(self.workdir, self.backends)
            if old.processes or old.created_databases or old.created_vhosts:
                raise LauncherError(
                    f'{self.workdir} already holds a deployment: run '
                    f"'down' first (or use another --workdir)")
        self.backends.check()
        if not self.api_port:
            self.api_port = _free_port()
        (self.workdir / 'logs').mkdir(parents=True, exist_ok=True)
        self.save_state()
        steps: list[tuple[str, Callable[[], None]]] = [
            ('vhosts and databases', self._create_resources),
            ('configuration', self._write_configs),
            ('nova-manage', self._manage_all),
            ('daemons', lambda: self._start_daemons(started + timeout)),
        ]
        for label, step in steps:
            begun = time.monotonic()
            step()
            self.timings[label] = time.monotonic() - begun
        elapsed = time.monotonic() - started
        steps_taken = ', '.join(f'{label} {seconds:.1f}s'
                                for label, seconds in self.timings.items())
        self.out(f'deployment {self.prefix} ready in {elapsed:.1f}s '
                 f'({steps_taken}): API {self.api_url}, cells '
                 + ', '.join(c.name for c in self.cells))
        return elapsed

    def _create_resources(self) -> None:
        vhosts = self.backends.list_vhosts()
        for plan in self.cells:
            if self.backends.database_exists(plan.database):
                raise LauncherError(
                    f'database {plan.database} exists already; choose '
                    'another --prefix or drop it')
            if plan.vhost in vhosts:
                raise LauncherError(
                    f'RabbitMQ vhost {plan.vhost} exists already; choose '
                    'another --prefix or delete it')
        for plan in self.cells:
            self.backends.create_database(plan.database)
            self.created_databases.append(plan.database)
            self.save_state()
        # Each rabbitmqctl is an Erlang VM booting (about half a second):
        # run them side by side, recording each vhost as soon as it exists.
        lock = threading.Lock()

        def create_vhost(plan: CellPlan) -> None:
            self.backends.add_vhost(plan.vhost)
            with lock:
                self.created_vhosts.append(plan.vhost)
                self.save_state()
            self.backends.grant_vhost(plan.vhost)

        with concurrent.futures.ThreadPoolExecutor(
                min(4, len(self.cells))) as pool:
            for future in [pool.submit(create_vhost, plan)
                           for plan in self.cells]:
                future.result()
        for plan in self.cells:
            self.out(f'{plan.role} {plan.name}: database {plan.database}, '
                     f'vhost {plan.vhost}')

    def _write_configs(self) -> None:
        conf_dir = self.workdir / 'etc'
        conf_dir.mkdir(parents=True, exist_ok=True)
        for plan in self.cells:
            state_path = self.workdir / 'state' / plan.name
            state_path.mkdir(parents=True, exist_ok=True)
            _write_private(plan.conf, cell_config(
                plan, self.backends, str(state_path), self.api_port,
                self.debug, self.overrides))
            for host in plan.compute_hosts:
                _write_private(self._host_conf(host),
                               compute_host_config(host))

    def _host_conf(self, host: str) -> str:
        return str(self.workdir / 'etc' / f'{host}.conf')

    def _manage(self, plan: CellPlan, *args: str) -> None:
        argv = [self._binary('nova-manage'), '--config-file', plan.conf,
                *args]
        result = subprocess.run(argv, capture_output=True, text=True,
                                timeout=300, check=False)
        with open(self.workdir / 'logs' / 'nova-manage.log', 'a') as log:
            # argv holds no secret: the URLs are in the config files...
            shown = [a if not a.startswith('rabbit://') else '<url>'
                     for a in argv]
            log.write(f"$ {' '.join(shown)}\n{result.stdout}"
                      f'{result.stderr}')
        if result.returncode != 0:
            # ...but --transport-url is one: never echo the arguments.
            raise LauncherError(
                f"nova-manage {' '.join(args[:2])} failed for cell "
                f'{plan.name} (exit {result.returncode}): '
                f'{result.stderr.strip()}')

    def _manage_all(self) -> None:
        syncs = [(plan, ('db', 'sync')) for plan in self.cells]
        creates = []
        for child in self.cells[1:]:
            assert child.parent is not None
            parent = self.cell(child.parent)
            creates.append((parent, ('cell', 'create', '--name', child.name,
                                     '--cell_type', 'child',
                                     '--transport-url',
                                     self.backends.transport_url(
                                         child.vhost))))
            creates.append((child, ('cell', 'create', '--name', parent.name,
                                    '--cell_type', 'parent',
                                    '--transport-url',
                                    self.backends.transport_url(
                                        parent.vhost))))
        # Each command is a fresh interpreter (about a second): run them
        # side by side, the syncs before the rows they need.
        workers = min(16, len(creates))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            for batch in (syncs, creates):
                for future in [pool.submit(self._manage, plan, *args)
                               for plan, args in batch]:
                    future.result()
        self.out('schemas synced, cells tables filled')

    # -- daemons -----------------------------------------------------------

    def _binary(self, name: str) -> str:
        path = os.path.join(self.bin_dir, name)
        if os.access(path, os.X_OK):
            return path
        found = shutil.which(name)
        if found is None:
            raise LauncherError(f'{name} not found in {self.bin_dir} nor '
                                'on the PATH; install the package first')
        return found

    def _spawn(self, plan: CellPlan, service: str,
               host: str | None = None) -> ManagedProcess:
        name = host if host is not None else f'{plan.name}-{service}'
        argv = [self._binary(f'nova-{service}'), '--config-file', plan.conf]
        if host is not None:
            argv += ['--config-file', self._host_conf(host)]
        return self._start(ManagedProcess(
            name=name, cell=plan.name, argv=argv,
            log=str(self.workdir / 'logs' / f'{name}.log')))

    def _start(self, proc: ManagedProcess) -> ManagedProcess:
        """Start ``proc.argv`` (its log appended to) and record it."""
        with open(proc.log, 'ab') as log_file:
            popen = subprocess.Popen(
                proc.argv, stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT, cwd=self.workdir,
                start_new_session=True, close_fds=True)
        proc.pid = popen.pid
        proc.starttime = _proc_identity(popen.pid)
        self._popen[popen.pid] = popen
        self.processes.append(proc)
        self.save_state()
        return proc

    # -- one daemon at a time (fault tests, operators) ---------------------

    def process(self, name: str) -> ManagedProcess:
        """The recorded daemon called ``name``, e.g. ``'cell1-cells'``."""
        for proc in self.processes:
            if proc.name == name:
                return proc
        raise LauncherError(f'no daemon {name!r} recorded; known: '
                            + ', '.join(p.name for p in self.processes))

    def kill(self, name: str, signum: int = signal.SIGKILL,
             timeout: float = 30.0) -> ManagedProcess:
        """Signal one daemon (by its recorded pid) and wait until it is
        gone; returns its record, which stays in the state file so that
        :meth:`restart` can start it again."""
        proc = self.process(name)
        self._signal(proc, signum)
        deadline = time.monotonic() + timeout
        while proc not in self.dead_processes():
            if time.monotonic() > deadline:
                raise LauncherError(f'{name} (pid {proc.pid}) still runs '
                                    f'{timeout:.0f}s after signal {signum}')
            time.sleep(0.05)
        return proc

    def stop(self, name: str, grace: float = 20.0) -> None:
        """Stop daemon ``name`` (SIGTERM, SIGKILL after ``grace``) and
        drop its record: ``down`` and ``restart`` forget it."""
        proc = self.process(name)
        try:
            self.kill(name, signal.SIGTERM, timeout=grace)
        except LauncherError:
            self.kill(name, signal.SIGKILL)
        self.processes.remove(proc)
        self._popen.pop(proc.pid, None)
        self.save_state()

    def restart(self, name: str, grace: float = 20.0) -> ManagedProcess:
        """Start daemon ``name`` again with the same command line and
        configuration (stopping it first if it still runs); returns the
        new record."""
        old = self.process(name)
        if old.is_alive():
            self._signal(old, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while old not in self.dead_processes():
                if time.monotonic() > deadline:
                    self.kill(name)
                    break
                time.sleep(0.1)
        self.processes.remove(old)
        self._popen.pop(old.pid, None)
        return self._start(ManagedProcess(name=old.name, cell=old.cell,
                                          argv=list(old.argv), log=old.log))

    def start_service(self, cell: str, service: str, name: str,
                      overrides: Overrides | None = None) -> ManagedProcess:
        """Start one more ``nova-<service>`` in ``cell``, called ``name``.

        Its command line reads the cell's configuration, then
        ``<workdir>/etc/<name>.conf`` written from ``overrides`` (give it
        its own ``[DEFAULT] host``).  It is recorded like every other
        daemon, so ``down`` stops it.
        """
        if not _NAME_RE.match(name.replace('-', '_')):
            raise LauncherError(f'bad daemon name {name!r}')
        if any(p.name == name for p in self.processes):
            raise LauncherError(f'a daemon {name!r} is recorded already')
        plan = self.cell(cell)
        extra = self.workdir / 'etc' / f'{name}.conf'
        _write_private(str(extra), _ini(
            overrides or {}, f'Extra daemon {name} of cell {cell}: read '
            "after its cell's file."))
        return self._start(ManagedProcess(
            name=name, cell=plan.name,
            argv=[self._binary(f'nova-{service}'), '--config-file',
                  plan.conf, '--config-file', str(extra)],
            log=str(self.workdir / 'logs' / f'{name}.log')))

    def _start_daemons(self, deadline: float) -> None:
        # A cell's nova-cells reports its capacities to its parent when it
        # starts: it starts once its compute nodes exist and its parent
        # consumes (a message to a queue nobody declared yet is lost).
        api = self.api_cell
        self._spawn(api, 'cells')
        self._spawn(api, 'api')
        for plan in self.cells[1:]:
            if not plan.compute_hosts:
                continue
            self._spawn(plan, 'network')
            self._spawn(plan, 'scheduler')
            for host in plan.compute_hosts:
                self._spawn(plan, 'compute', host)
        self._wait(self._missing_before_cells, deadline)
        for level in range(1, self.depth):
            self._wait(functools.partial(self._not_consuming,
                                         self.level(level - 1)), deadline)
            for plan in self.level(level):
                self._spawn(plan, 'cells')
        self.out(f'started {len(self.processes)} daemons')
        self._wait(self._missing, deadline)
        # The last level's first reports are on their way to the top: a
        # middle cell passes a report on REPORT_DELAY after it.
        time.sleep(1.0 + REPORT_DELAY * (self.depth - 2))

    # -- readiness ---------------------------------------------------------

    def wait_until_ready(self, timeout: float = 120.0) -> None:
        """Block until the API answers and every service has reported."""
        self._wait(self._missing, time.monotonic() + timeout)

    def _wait(self, missing: Callable[[], list[str]],
              deadline: float) -> None:
        what: list[str] = []
        while True:
            dead = self.dead_processes()
            if dead:
                raise LauncherError(
                    'daemon(s) exited: ' + ', '.join(p.name for p in dead)
                    + '\n' + '\n'.join(
                        f'--- {p.log} (tail) ---\n{self.log_tail(p, 30)}'
                        for p in dead))
            try:
                what = missing()
            except (pymysql.MySQLError, LauncherError) as exc:
                what = [f'not answering: {exc}']
            if not what:
                return
            if time.monotonic() > deadline:
                raise LauncherError('not ready in time; still missing: '
                                    + '; '.join(what))
            time.sleep(0.5)

    def _reported(self, plan: CellPlan) -> set[tuple[str, str]]:
        rows = self.query(plan.name, 'SELECT host, `binary` FROM services '
                                     'WHERE deleted = 0')
        return {(str(h), str(b)) for h, b in rows}

    def _missing_before_cells(self) -> list[str]:
        missing = []
        if not self._api_answers():
            missing.append('nova-api not answering')
        for plan in self.cells:
            wanted = {s for s in plan.expected_services
                      if s[1] != 'nova-cells' or plan.is_api}
            gone = wanted - self._reported(plan)
            missing += [f'{plan.name}: {b} on {h}' for h, b in sorted(gone)]
            if plan.compute_hosts:
                rows = self.query(plan.name, 'SELECT host FROM compute_nodes '
                                             'WHERE deleted = 0')
                nodes = {str(h) for (h,) in rows}
                missing += [f'{plan.name}: compute node of {h}'
                            for h in plan.compute_hosts if h not in nodes]
        return missing

    def _missing(self) -> list[str]:
        missing = self._missing_before_cells()
        for plan in self.cells:
            if (plan.name, 'nova-cells') not in self._reported(plan):
                missing.append(f'{plan.name}: nova-cells')
        return missing + self._not_consuming(self.cells)

    def _not_consuming(self, plans: Iterable[CellPlan]) -> list[str]:
        """The cells among ``plans`` whose nova-cells does not listen."""
        missing = []
        for plan in plans:
            queues = self.backends.unconsumed_queues(plan.vhost,
                                                     INTERCELL_QUEUES)
            if queues:
                missing.append(f"{plan.name}: nova-cells not consuming "
                               f"{', '.join(queues)}")
        return missing

    def _api_answers(self) -> bool:
        request = urllib.request.Request(
            f'{self.api_url}/v2.1/flavors',
            headers={'X-Auth-Token': ADMIN_TOKEN,
                     'Accept': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                body = json.loads(response.read())
            return response.status == 200 and bool(body.get('flavors'))
        except (OSError, ValueError):
            return False

    # -- status ------------------------------------------------------------

    def status(self) -> list[tuple[ManagedProcess, bool]]:
        dead = {id(p) for p in self.dead_processes()}
        return [(p, id(p) not in dead) for p in self.processes]

    # -- down --------------------------------------------------------------

    def down(self, keep: bool = False, grace: float = 20.0) -> None:
        """Stop the recorded daemons, then drop what ``up`` created.

        ``keep`` leaves the databases and vhosts in place (for a look at
        them afterwards).  Errors are collected: everything that can be
        removed is removed, then one :class:`LauncherError` names the rest.
        """
        errors = self._stop_processes(grace)
        if not keep:
            errors += self._remove_resources()
        self.save_state()
        if errors:
            raise LauncherError('; '.join(errors))

    def _signal(self, proc: ManagedProcess, signum: int) -> None:
        if not proc.is_alive():
            return
        try:
            # Each daemon leads its own process group (start_new_session).
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, signum)
            else:
                os.kill(proc.pid, signum)
        except ProcessLookupError:
            pass

    def _stop_processes(self, grace: float) -> list[str]:
        alive = [p for p in self.processes if p.is_alive()]
        for proc in alive:
            self._signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not [p for p in alive if p not in self.dead_processes()]:
                break
            time.sleep(0.2)
        stubborn = [p for p in alive if p.is_alive()]
        for proc in stubborn:
            self.out(f'{proc.name} (pid {proc.pid}) ignored SIGTERM for '
                     f'{grace:.0f}s: killing it')
            self._signal(proc, signal.SIGKILL)
        for _ in range(50):
            if not [p for p in stubborn if p not in self.dead_processes()]:
                break
            time.sleep(0.1)
        errors = [f'{p.name} (pid {p.pid}) survived SIGKILL'
                  for p in self.processes if p.is_alive()]
        self.processes = [p for p in self.processes if p.is_alive()]
        self._popen = {pid: po for pid, po in self._popen.items()
                       if po.poll() is None}
        self.save_state()
        return errors

    def _remove_resources(self) -> list[str]:
        errors = []
        for database in list(self.created_databases):
            try:
                self.backends.drop_database(database)
                self.created_databases.remove(database)
            except (pymysql.MySQLError, LauncherError) as exc:
                errors.append(f'cannot drop database {database}: {exc}')
        try:
            existing = self.backends.list_vhosts()
        except (LauncherError, subprocess.SubprocessError) as exc:
            return errors + [f'cannot list the vhosts: {exc}']

        def delete(vhost: str) -> str | None:
            try:
                if vhost in existing:
                    self.backends.rabbitmqctl('delete_vhost', vhost)
            except (LauncherError, subprocess.SubprocessError) as exc:
                return f'cannot delete vhost {vhost}: {exc}'
            return None

        vhosts = list(self.created_vhosts)
        if not vhosts:
            return errors
        # One rabbitmqctl (an Erlang VM) per vhost: side by side.
        with concurrent.futures.ThreadPoolExecutor(
                min(4, len(vhosts))) as pool:
            for vhost, error in zip(vhosts, pool.map(delete, vhosts),
                                    strict=True):
                if error is None:
                    self.created_vhosts.remove(vhost)
                else:
                    errors.append(error)
        return errors


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)


# -- command line -----------------------------------------------------------

def default_workdir(prefix: str) -> str:
    return os.path.join(tempfile.gettempdir(), f'nova-launcher-{prefix}')


TREE_HELP = """\
Tree syntax (--tree): PARENT:CHILD[,CHILD...] entries joined by ';', e.g.
  'api:cell1,cell2;cell1:gc1'   api above cell1 and cell2; gc1 below cell1
The one cell that is nobody's child is the API cell (nova-api, nova-cells).
NAME=N gives a cell N compute hosts (once, wherever the name appears):
  'api:cell1=1;cell1:gc1=3'     cell1 runs 1 host of its own, gc1 3
Without =N a leaf cell runs --computes hosts and a middle cell (one with
children) runs nova-cells only.  A cell with compute hosts also runs
nova-scheduler and nova-network and gets its own [network] fixed_range.
--children N is short for --tree 'api:cell1,...,cellN'.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='launcher.py', description='Run a cells tree as separate '
        'daemons on RabbitMQ and MariaDB.', epilog=TREE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('action', choices=('up', 'down', 'status', 'kill',
                                           'restart'))
    parser.add_argument('daemon', nargs='?',
                        help='the daemon to kill or restart, as status '
                        "names it (e.g. 'cell1-cells')")
    parser.add_argument('--prefix', default=DEFAULT_PREFIX,
                        help='names the databases and vhosts '
                        f'<prefix>_<cell> (default {DEFAULT_PREFIX})')
    parser.add_argument('--workdir', help='configs, logs and state '
                        '(default: <tmp>/nova-launcher-<prefix>)')
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument('--children', type=int,
                       help='number of child cells below the API cell '
                       '(up; default 2)')
    shape.add_argument('--tree', help="any tree, e.g. 'api:cell1,cell2;"
                       "cell1:gc1' (up; see below)")
    parser.add_argument('--computes', type=int, default=2,
                        help='compute hosts of each leaf cell unless the '
                        'tree says otherwise (up; default 2)')
    parser.add_argument('--api-port', type=int, default=0,
                        help='nova-api port (up; default: a free one)')
    parser.add_argument('--timeout', type=float, default=180.0,
                        help='seconds to wait for readiness (up)')
    parser.add_argument('--debug', action='store_true',
                        help='debug logging in the daemons (up)')
    parser.add_argument('--set', action='append', default=[],
                        metavar='SECTION.OPTION=VALUE', dest='overrides',
                        help='an extra option in every cell\'s nova.conf, '
                        "e.g. 'cells.heal_interval=2' (up; repeatable)")
    parser.add_argument('--signal', default='KILL',
                        help='signal name for kill (default KILL)')
    parser.add_argument('--keep', action='store_true',
                        help='keep the databases and vhosts (down)')
    return parser


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


def _print_status(deployment: Deployment) -> int:
    rows = deployment.status()
    print(f'deployment {deployment.prefix} in {deployment.workdir}')
    print(f'API: {deployment.api_url}')
    print(f'tree: {deployment.tree}')
    for plan in deployment.cells:
        hosts = (f', compute hosts {plan.fixed_range}: '
                 + ' '.join(plan.compute_hosts)) if plan.compute_hosts else ''
        print(f"{'  ' * plan.level}{plan.role} "
              f'{deployment.cell_path(plan.name)}: database '
              f'{plan.database}, vhost {plan.vhost}{hosts}')
    width = max([len(p.name) for p, _ in rows] + [4])
    for proc, alive in rows:
        print(f"  {proc.name.ljust(width)}  pid {proc.pid:<8} "
              f"{'alive' if alive else 'DEAD '}  {proc.log}")
    if not rows:
        print('  no processes recorded')
    return 0 if all(alive for _, alive in rows) else 1


def _signal_number(name: str) -> int:
    name = name.upper()
    try:
        return int(signal.Signals[name if name.startswith('SIG')
                                  else 'SIG' + name])
    except KeyError:
        raise LauncherError(f'unknown signal {name!r}') from None


def main(argv: Iterable[str] | None = None) -> int:
    args = build_parser().parse_args(
        list(sys.argv[1:] if argv is None else argv))
    workdir = args.workdir or default_workdir(args.prefix)
    try:
        if args.action == 'up':
            deployment = Deployment(workdir, prefix=args.prefix,
                                    children=args.children, tree=args.tree,
                                    api_port=args.api_port,
                                    computes_per_cell=args.computes,
                                    debug=args.debug,
                                    overrides=parse_overrides(
                                        args.overrides))
            try:
                deployment.up(timeout=args.timeout)
            except BaseException:
                if (deployment.processes or deployment.created_databases
                        or deployment.created_vhosts):
                    print(f'up failed; logs are in {workdir}/logs. Run '
                          f"'down' to remove what it started and created.",
                          file=sys.stderr)
                raise
            return _print_status(deployment)
        deployment = Deployment.load(workdir)
        if args.action == 'status':
            return _print_status(deployment)
        if args.action in ('kill', 'restart'):
            if not args.daemon:
                raise LauncherError(f'{args.action} needs the name of a '
                                    "daemon (see 'status')")
            if args.action == 'kill':
                signum = _signal_number(args.signal)
                proc = deployment.kill(args.daemon, signum)
                print(f'{proc.name} (pid {proc.pid}) is gone after '
                      f'{signal.Signals(signum).name}')
            else:
                proc = deployment.restart(args.daemon)
                print(f'{proc.name} restarted: pid {proc.pid}')
            return 0
        deployment.down(keep=args.keep)
        print(f'deployment {deployment.prefix} is down'
              + (' (databases and vhosts kept)' if args.keep else ''))
        return 0
    except LauncherError as exc:
        print(f'launcher: error: {exc}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
