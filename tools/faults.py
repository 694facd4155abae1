#!/usr/bin/env python3
"""Fault injection for a deployment of the launcher (``tools/launch``).

Each fault touches one cell only, found by the names the launcher gave
its resources (``<prefix>_<cell>``): RabbitMQ and MariaDB are shared with
other deployments and other people, so nothing here acts on a whole
broker or a whole server.

* :func:`close_broker_connections`: the broker closes every AMQP
  connection of one vhost (listed, then closed one by one with
  ``rabbitmqctl close_connection``), as a broker restart or a network cut
  would.
* :func:`kill_database_connections`: ``KILL`` every MariaDB connection
  whose current database is the cell's, as a server restart would.
* :class:`TcpForwarder`: relays a local port to a server, so that a daemon
  can be pointed at a port that opens (or closes) when the test says.

After a fault: :func:`request` asks the API cell, :func:`live_rows` reads
a cell's live instances and :func:`replica_problems` says where the API
replica and the children disagree.

:func:`broker_connections`, :func:`queues` and
:func:`database_connections` show the state before and after.  Process
faults (SIGKILL, restart) are :meth:`launcher.Deployment.kill` and
:meth:`launcher.Deployment.restart`.  Everything here takes the
deployment's :class:`launcher.Backends`.

Command line (from the repository root)::

    .venv/bin/python tools/faults.py cut-broker CELL [--prefix P] [--workdir D]
    .venv/bin/python tools/faults.py cut-db     CELL [--prefix P] [--workdir D]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
import concurrent.futures
import dataclasses
import json
import re
import socket
import sys
import threading
from typing import Any
import urllib.error
import urllib.request

from nova.tools import launcher
from nova.tools.launcher import free_port

__all__ = ['BrokerConnection', 'Queue', 'TcpForwarder', 'broker_connections',
           'close_broker_connections', 'database_connections', 'free_port',
           'kill_database_connections', 'live_rows', 'main', 'queues',
           'replica_problems', 'request']

REASON = 'fault injection'
_CONNECTION_NAME_RE = re.compile(r'\{"connection_name","([^"]*)"\}')


# -- RabbitMQ ----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class BrokerConnection:
    """One AMQP connection as ``rabbitmqctl list_connections`` shows it."""

    pid: str        # the broker's process of the connection
    vhost: str
    client: str     # oslo.messaging's '<program>:<os pid>:<uuid>', or ''

    @property
    def program(self) -> str:
        return self.client.split(':')[0]

    @property
    def os_pid(self) -> int | None:
        """The client process, as oslo.messaging names it."""
        parts = self.client.split(':')
        return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() \
            else None


def broker_connections(backends: launcher.Backends,
                       vhost: str) -> list[BrokerConnection]:
    """The AMQP connections of ``vhost`` (and of no other vhost)."""
    out = backends.rabbitmqctl('list_connections', '--no-table-headers',
                               'pid', 'vhost', 'client_properties')
    found = []
    for line in out.splitlines():
        fields = line.split('\t')
        if len(fields) < 3 or fields[1] != vhost:
            continue
        match = _CONNECTION_NAME_RE.search(fields[2])
        found.append(BrokerConnection(fields[0], fields[1],
                                      match.group(1) if match else ''))
    return found


def close_broker_connections(backends: launcher.Backends, vhost: str,
                             reason: str = REASON, workers: int = 8
                             ) -> list[BrokerConnection]:
    """Have the broker close every connection of ``vhost``; returns those
    it closed (one that ended meanwhile is left out)."""
    connections = broker_connections(backends, vhost)

    def close(conn: BrokerConnection) -> bool:
        if conn.vhost != vhost:  # never anybody else's
            return False
        try:
            backends.rabbitmqctl('close_connection', conn.pid, reason)
        except launcher.LauncherError:
            return False  # gone by itself meanwhile
        return True

    if not connections:
        return []
    # Each rabbitmqctl boots an Erlang VM: side by side, so that the cut
    # is one moment rather than a few seconds.
    with concurrent.futures.ThreadPoolExecutor(
            min(workers, len(connections))) as pool:
        closed = list(pool.map(close, connections))
    return [c for c, ok in zip(connections, closed, strict=True) if ok]


@dataclasses.dataclass(frozen=True)
class Queue:
    """What ``rabbitmqctl list_queues`` says of one queue."""

    messages: int     # ready and unacknowledged
    consumers: int


def queues(backends: launcher.Backends, vhost: str) -> dict[str, Queue]:
    """Every queue of ``vhost`` by name."""
    out = backends.rabbitmqctl('list_queues', '-p', vhost,
                               '--no-table-headers', 'name', 'messages',
                               'consumers')
    found = {}
    for line in out.splitlines():
        fields = line.rsplit('\t', 2)
        if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
            found[fields[0]] = Queue(int(fields[1]), int(fields[2]))
    return found


# -- MariaDB -----------------------------------------------------------------

def database_connections(backends: launcher.Backends,
                         database: str) -> list[int]:
    """Thread ids of the connections whose current database is
    ``database`` (ours excluded)."""
    return backends.database_connections(database)


def kill_database_connections(backends: launcher.Backends,
                              database: str) -> list[int]:
    """``KILL`` every connection of ``database``; the ids it killed."""
    return backends.kill_database_connections(database)


# -- after a fault: the API and the replica -----------------------------------

def request(api_url: str, method: str, path: str,
            body: dict[str, Any] | None = None, token: str = 'admin:admin',
            timeout: float = 60.0) -> tuple[int, Any]:
    """One call of the API cell's REST API: ``(status, decoded body)``,
    status 0 when the API cannot be reached (it may be down)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        api_url + path, data=data, method=method,
        headers={'X-Auth-Token': token, 'Accept': 'application/json',
                 'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw) if raw else None
        except ValueError:
            return exc.code, raw.decode(errors='replace')
    except OSError as exc:
        return 0, str(exc)


def live_rows(dep: launcher.Deployment, cell: str,
              columns: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """uuid -> ``columns`` of each live instance row of one cell."""
    selected = ', '.join(('uuid',) + columns)
    rows = dep.query(cell, f'SELECT {selected} FROM instances '
                           'WHERE deleted = 0')
    return {str(row[0]): dict(zip(columns, row[1:], strict=True))
            for row in rows}


def replica_problems(dep: launcher.Deployment, ids: Iterable[str],
                     children: Iterable[str], compared: tuple[str, ...]
                     ) -> tuple[list[str], dict[str, str | None]]:
    """Where the API replica and the ``children`` disagree about the
    servers ``ids`` (live in more than one child, or in a child other
    than the one the replica names, or ``compared`` columns that differ),
    and each server's home cell (None: it never reached one)."""
    columns = ('cell_name',) + compared
    top = live_rows(dep, 'api', columns)
    held = {cell: live_rows(dep, cell, columns) for cell in children}
    problems: list[str] = []
    homes: dict[str, str | None] = {}
    for server_id in ids:
        mine = top.get(server_id)
        found = [cell for cell, rows in held.items() if server_id in rows]
        homes[server_id] = found[0] if found else None
        if mine is None:
            if found:
                problems.append(f'{server_id}: gone at the top, live in '
                                f'{found}')
            continue
        if len(found) > 1:
            problems.append(f'{server_id}: live in {found}')
            continue
        if not found:
            if mine['vm_state'] != 'error':
                problems.append(f"{server_id}: {mine['vm_state']} at the "
                                'top but in no child')
            continue
        home = found[0]
        if mine['cell_name'] != dep.cell_path(home):
            problems.append(f"{server_id}: top says {mine['cell_name']}, "
                            f'live in {home}')
        theirs = held[home][server_id]
        differ = {c: (mine[c], theirs[c]) for c in compared
                  if mine[c] != theirs[c]}
        if differ:
            problems.append(f'{server_id} (top, {home}): {differ}')
    return problems, homes


# -- a port that opens when the test says so ---------------------------------

class TcpForwarder:
    """Relays connections to ``127.0.0.1:listen_port`` to a server.

    ``start()`` opens the port, ``stop()`` closes it and every relayed
    connection.  Made for a daemon configured with a port that is closed
    at first (``listen_port`` from :func:`free_port`)::

        port = free_port()
        ...start the daemon against port...
        with TcpForwarder('127.0.0.1', 3306, port):
            ...the daemon now reaches MariaDB...
    """

    def __init__(self, target_host: str, target_port: int,
                 listen_port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.port = listen_port
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def __enter__(self) -> TcpForwarder:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> int:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(('127.0.0.1', self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, name='forwarder-accept',
                         daemon=True).start()
        return self.port

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            self._close(listener)
        with self._lock:
            open_sockets, self._sockets = list(self._sockets), set()
        for sock in open_sockets:
            self._close(sock)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def _accept(self) -> None:
        while (listener := self._listener) is not None:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, server}
                self.accepted += 1
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst),
                                 name='forwarder-pump', daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            with self._lock:
                self._sockets.discard(sock)
            self._close(sock)


# -- command line ------------------------------------------------------------

def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='faults.py', description='Inject a fault into one cell of a '
        'deployment of tools/launch.')
    parser.add_argument('fault', choices=('cut-broker', 'cut-db'))
    parser.add_argument('cell', help="the cell's name, e.g. cell1")
    parser.add_argument('--prefix', default=launcher.DEFAULT_PREFIX)
    parser.add_argument('--workdir', help='the deployment (default: '
                        '<tmp>/nova-launcher-<prefix>)')
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    workdir = args.workdir or launcher.default_workdir(args.prefix)
    try:
        deployment = launcher.Deployment.load(workdir)
        plan = deployment.cell(args.cell)
    except KeyError:
        print(f'faults: error: no cell {args.cell!r}', file=sys.stderr)
        return 1
    except launcher.LauncherError as exc:
        print(f'faults: error: {exc}', file=sys.stderr)
        return 1
    if args.fault == 'cut-broker':
        closed = close_broker_connections(deployment.backends, plan.vhost)
        print(f'closed {len(closed)} connection(s) of vhost {plan.vhost}: '
              + ', '.join(sorted(c.client or c.pid for c in closed)))
    else:
        killed = kill_database_connections(deployment.backends,
                                           plan.database)
        print(f'killed {len(killed)} connection(s) of database '
              f'{plan.database}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
