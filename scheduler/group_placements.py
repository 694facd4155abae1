"""Where the members of a server group are in this cell, for the filters.

A member counts on its host from three sources, freshest last:

* the build's spec: members the API cell saw placed in this cell;
* this cell's database: its instances whose system metadata names the
  group, with the host a compute has taken them on;
* this scheduler's own choices not yet taken by a compute (a build in
  flight has no host in the database yet).  Without them, builds of one
  group scheduled together would all see the same free hosts.

Builds of one group are placed one at a time (:meth:`placing`), so each
sees the choices of the one before.  A choice is forgotten once the
database shows the member's host, the member is gone or failed, the
build comes back for another host, or after :data:`SENT_TTL` seconds.
Two schedulers of one cell (or a lost choice) may still send two members
to one host: the compute's late check catches that (see
``nova.compute.manager``) and the build is scheduled again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
import contextlib
import threading
import time
from typing import Any

from nova import cell_paths
from nova import server_groups
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database

# Seconds a choice counts while no compute has taken the build.
SENT_TTL = 300.0


class GroupPlacements:
    def __init__(self, db: Database,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.clock = clock
        # instance uuid -> (group uuid, host, when sent)
        self._sent: dict[str, tuple[str, str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def placing(self, spec: dict[str, Any] | None) -> Iterator[None]:
        """Hold the group's turn while one of its builds is placed."""
        if not spec:
            yield
            return
        with self._guard:
            lock = self._locks.setdefault(spec['uuid'], threading.Lock())
        with lock:
            yield

    def member_hosts(self, ctxt: RequestContext, spec: dict[str, Any],
                     own: Iterable[str]) -> Counter[str]:
        """Members per host of this cell, the builds ``own`` aside."""
        own = set(own)
        group_uuid = spec['uuid']
        where: dict[str, str | None] = {}
        cell_path = spec.get('cell_path')
        for member in spec.get('members') or ():
            if cell_path and cell_paths.same_cell(member.get('cell_name'),
                                                  cell_path):
                where[member['uuid']] = member.get('host')
        rows = self.db.instances_by_system_metadata(
            ctxt, server_groups.SYSTEM_METADATA_KEY, group_uuid)
        now = self.clock()
        with self._guard:
            alive = set()
            for row in rows:
                uuid = row['uuid']
                alive.add(uuid)
                sent = self._sent.get(uuid)
                if row['host'] or row['vm_state'] != vm_states.BUILDING:
                    self._sent.pop(uuid, None)
                    where[uuid] = (row['host'] if row['vm_state']
                                   != vm_states.ERROR else None)
                elif sent is not None and now - sent[2] < SENT_TTL:
                    where[uuid] = sent[1]
                else:
                    where[uuid] = None
            for uuid, (group, _host, _when) in list(self._sent.items()):
                if group == group_uuid and uuid not in alive:
                    del self._sent[uuid]
        return server_groups.host_counts(
            host for uuid, host in where.items() if uuid not in own)

    def sent(self, spec: dict[str, Any], instance_uuid: str,
             host: str) -> None:
        """Remember that a member was sent to ``host``."""
        with self._guard:
            self._sent[instance_uuid] = (spec['uuid'], host, self.clock())

    def forget(self, instance_uuids: Iterable[str]) -> None:
        """Builds that found no host here: they hold none."""
        with self._guard:
            for uuid in instance_uuids:
                self._sent.pop(uuid, None)
