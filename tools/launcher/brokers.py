"""RabbitMQ nodes of a deployment's own: a broker per group of cells.

Production runs a broker per cell; the one RabbitMQ of this machine runs
out of sockets long before 75 cells (its ``ulimit -n`` is 1024).  With
``rabbit_nodes=N`` a deployment starts N RabbitMQ nodes of its own on
this machine and spreads its cells over them (:func:`node_of`), each cell
with its own virtual host on its node, as each would have its own broker.

Each node has its own name (``<prefix>_<n>@localhost``), AMQP and
distribution ports, data and log directories under one temporary folder
(:attr:`RabbitNode.base`), and a configuration file that makes it listen
on loopback only and load its vhosts and the ``guest`` user at boot (one
definitions file: no ``rabbitmqctl`` per vhost, each of which is an
Erlang VM booting).  The Erlang cookie is made for the run and lives in
the folder (``HOME`` of the node and of every ``rabbitmqctl`` aimed at
it), so that no other node or tool is reachable with it.  The node runs
from ``/usr/lib/rabbitmq/bin`` directly: the wrappers on the PATH switch
to the system ``rabbitmq`` user and its cookie.

A node is started in its own process group with its pid and start time
recorded, and stopped by that recorded pid only (SIGTERM to its group,
which Erlang takes as a clean shutdown; SIGKILL after a grace period),
then its folder is removed.  The system node is never touched.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from collections.abc import Iterable
import dataclasses
import hashlib
import json
import os
import pathlib
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from nova.tools.launcher.errors import LauncherError
from nova.tools.launcher.supervisor import free_port
from nova.tools.launcher.supervisor import proc_identity
from nova.tools.launcher.supervisor import signal_recorded
from nova.tools.launcher.supervisor import tail

RABBIT_BIN = '/usr/lib/rabbitmq/bin'
# A node serving tens of cells: a socket per AMQP connection.  Erlang
# takes its socket limit from the descriptors the process may open.
WANTED_FDS = 16384
START_TIMEOUT = 90.0


def rabbit_tool(name: str) -> str:
    """``rabbitmq-server`` or ``rabbitmqctl`` without the wrapper that
    switches users."""
    path = os.path.join(RABBIT_BIN, name)
    if os.access(path, os.X_OK):
        return path
    found = shutil.which(name)
    if found is None:
        raise LauncherError(f'{name} not found: install RabbitMQ')
    return found


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's salted SHA-256 of ``password`` (definitions files)."""
    salt = secrets.token_bytes(4) if salt is None else salt
    digest = hashlib.sha256(salt + password.encode()).digest()
    return base64.b64encode(salt + digest).decode()


def definitions(vhosts: Iterable[str], user: str, password: str) -> str:
    """The definitions a node loads at boot: ``user`` (administrator) with
    every permission on each of ``vhosts``."""
    names = sorted(set(vhosts))
    return json.dumps({
        'users': [{'name': user, 'password_hash': password_hash(password),
                   'hashing_algorithm': 'rabbit_password_hashing_sha256',
                   'tags': ['administrator']}],
        'vhosts': [{'name': name} for name in names],
        'permissions': [{'user': user, 'vhost': name, 'configure': '.*',
                         'write': '.*', 'read': '.*'} for name in names],
    }, indent=1)


def node_of(index: int, nodes: int) -> int:
    """The node of the ``index``-th cell (the API cell is 0): the API cell
    on the first node, the others round robin over all of them."""
    return 0 if index == 0 or nodes <= 1 else (index - 1) % nodes


@dataclasses.dataclass
class RabbitNode:
    """One RabbitMQ node this deployment started, as the state file
    records it."""

    name: str            # e.g. 'bench_scale75_1@localhost'
    port: int            # AMQP
    dist_port: int       # Erlang distribution (rabbitmqctl)
    base: str            # its folder: data, logs, config
    home: str            # HOME holding the run's Erlang cookie
    vhosts: list[str] = dataclasses.field(default_factory=list)
    pid: int = 0
    starttime: str = ''

    def is_alive(self) -> bool:
        return proc_identity(self.pid) == self.starttime != ''

    def env(self) -> dict[str, str]:
        """The environment of the node and of its ``rabbitmqctl``."""
        base = pathlib.Path(self.base)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(('RABBITMQ_', 'ERL_'))}
        env.update({
            'HOME': self.home,
            'RABBITMQ_NODENAME': self.name,
            'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
            'RABBITMQ_NODE_PORT': str(self.port),
            'RABBITMQ_DIST_PORT': str(self.dist_port),
            'RABBITMQ_MNESIA_BASE': str(base / 'mnesia'),
            'RABBITMQ_LOG_BASE': str(base / 'log'),
            'RABBITMQ_CONFIG_FILE': str(base / 'rabbitmq.conf'),
            # Not the system's rabbitmq-env.conf: it names the system node.
            'RABBITMQ_CONF_ENV_FILE': str(base / 'rabbitmq-env.conf'),
            'RABBITMQ_ENABLED_PLUGINS_FILE': str(base / 'enabled_plugins'),
            'RABBITMQ_PID_FILE': str(base / 'pid'),
            'ERL_EPMD_ADDRESS': '127.0.0.1',
            'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
                '-kernel inet_dist_use_interface {127,0,0,1}',
        })
        return env

    def write_files(self, user: str, password: str) -> None:
        base = pathlib.Path(self.base)
        (base / 'mnesia').mkdir(parents=True, exist_ok=True)
        (base / 'log').mkdir(exist_ok=True)
        (base / 'rabbitmq-env.conf').write_text('')
        (base / 'enabled_plugins').write_text('[].\n')
        defs = base / 'definitions.json'
        fd = os.open(defs, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(definitions(self.vhosts, user, password))
        (base / 'rabbitmq.conf').write_text(
            f'listeners.tcp.1 = 127.0.0.1:{self.port}\n'
            f'load_definitions = {defs}\n'
            # Beside nova's daemons on a shared machine: neither a memory
            # nor a disk alarm should block publishers in a benchmark.
            'vm_memory_high_watermark.absolute = 2GB\n'
            'disk_free_limit.absolute = 100MB\n')

    def listening(self) -> bool:
        try:
            with socket.create_connection(('127.0.0.1', self.port),
                                          timeout=1):
                return True
        except OSError:
            return False


def raise_fd_limit(wanted: int = WANTED_FDS) -> int:
    """Raise this process's soft descriptor limit towards ``wanted`` (the
    nodes inherit it); the limit it has now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


class NodeSet:
    """The RabbitMQ nodes of one deployment: planned, started, stopped."""

    def __init__(self, prefix: str, on_change: Callable[[], None],
                 out: Callable[[str], None]) -> None:
        self.prefix = prefix
        self.nodes: list[RabbitNode] = []
        self.root = ''
        self._on_change = on_change
        self._out = out
        self._popen: dict[int, subprocess.Popen[bytes]] = {}

    def plan(self, count: int, vhosts: list[list[str]]) -> None:
        """``count`` nodes, node ``i`` to hold ``vhosts[i]``; the folder
        and the cookie made, nothing started yet."""
        self.root = tempfile.mkdtemp(prefix=f'nova-rabbit-{self.prefix}-')
        home = pathlib.Path(self.root) / 'home'
        home.mkdir()
        cookie = home / '.erlang.cookie'
        fd = os.open(cookie, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        with os.fdopen(fd, 'w') as f:
            f.write(secrets.token_hex(20).upper())
        taken: set[int] = set()
        for i in range(count):
            ports: list[int] = []
            while len(ports) < 2:
                port = free_port()
                if port not in taken:
                    taken.add(port)
                    ports.append(port)
            self.nodes.append(RabbitNode(
                name=f'{self.prefix}_{i + 1}@localhost', port=ports[0],
                dist_port=ports[1],
                base=str(pathlib.Path(self.root) / f'node{i + 1}'),
                home=str(home), vhosts=list(vhosts[i])))
        self._on_change()

    def start(self, user: str, password: str, deadline: float) -> None:
        """Start every node side by side; return once each accepts AMQP
        connections (its vhosts are loaded before its listener opens)."""
        limit = raise_fd_limit()
        for node in self.nodes:
            node.write_files(user, password)
            with open(pathlib.Path(node.base) / 'out.log', 'ab') as log:
                popen = subprocess.Popen(
                    [rabbit_tool('rabbitmq-server')], env=node.env(),
                    cwd=node.base, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    close_fds=True)
            node.pid = popen.pid
            node.starttime = proc_identity(popen.pid)
            self._popen[popen.pid] = popen
            self._on_change()
        deadline = min(deadline, time.monotonic() + START_TIMEOUT)
        waiting = list(self.nodes)
        while waiting:
            for node in list(waiting):
                if node.listening():
                    waiting.remove(node)
                elif self._popen_done(node):
                    raise LauncherError(
                        f'RabbitMQ node {node.name} exited:\n'
                        + tail(pathlib.Path(node.base) / 'out.log', 20))
            if waiting and time.monotonic() > deadline:
                raise LauncherError('RabbitMQ node(s) not listening in '
                                    'time: ' + ', '.join(
                                        n.name for n in waiting))
            if waiting:
                time.sleep(0.5)
        self._out(f'{len(self.nodes)} RabbitMQ node(s) up (descriptor '
                  f'limit {limit}): ' + ', '.join(
                      f'{n.name} port {n.port} ({len(n.vhosts)} vhosts)'
                      for n in self.nodes))

    def _popen_done(self, node: RabbitNode) -> bool:
        popen = self._popen.get(node.pid)
        if popen is not None:
            return popen.poll() is not None
        return not node.is_alive()

    def _signal(self, node: RabbitNode, signum: int) -> None:
        # Its group: the shell script, the Erlang VM and its helpers.
        signal_recorded(node.pid, node.starttime, signum)

    def _wait_gone(self, nodes: list[RabbitNode], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            for popen in self._popen.values():
                popen.poll()
            if not any(n.is_alive() for n in nodes):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    def stop(self, grace: float = 30.0) -> list[str]:
        """Stop every node by its recorded pid and remove the folder;
        what could not be done."""
        alive = [n for n in self.nodes if n.is_alive()]
        for node in alive:
            self._signal(node, signal.SIGTERM)
        if not self._wait_gone(alive, grace):
            for node in alive:
                if node.is_alive():
                    self._out(f'RabbitMQ node {node.name} (pid {node.pid}) '
                              f'ignored SIGTERM for {grace:.0f}s: killing')
                    self._signal(node, signal.SIGKILL)
            self._wait_gone(alive, 10.0)
        errors = [f'RabbitMQ node {n.name} (pid {n.pid}) still runs'
                  for n in self.nodes if n.is_alive()]
        if not errors:
            if self.root:
                shutil.rmtree(self.root, ignore_errors=True)
            self.nodes = []
            self.root = ''
            self._popen = {}
        self._on_change()
        return errors

    def leftovers(self) -> list[str]:
        left = [f'RabbitMQ node {n.name} (pid {n.pid})' for n in self.nodes
                if n.is_alive()]
        if self.root and os.path.exists(self.root):
            left.append(f'folder {self.root}')
        return left

    def state(self) -> dict[str, object]:
        return {'root': self.root,
                'nodes': [dataclasses.asdict(n) for n in self.nodes]}

    def load(self, state: dict[str, object] | None) -> None:
        if not state:
            return
        self.root = str(state.get('root') or '')
        nodes = state.get('nodes') or []
        assert isinstance(nodes, list)
        self.nodes = [RabbitNode(**n) for n in nodes]

