"""The compute host's late check of a server group's hard policy.

The host scheduler counts the members of a group per host, but two
builds placed at once (by two schedulers of a cell, or by one that lost
track of a choice) may still pick one host for two members of an
anti-affinity group, or two hosts for an affinity group's first members.
As in Nova, the compute checks before it takes a build: under one lock
per host it reads where its cell's database has the group's other
members and, when taking the build would break the policy, refuses it
with :class:`~nova.exception.GroupPolicyViolation`; the build is then
scheduled again, this host excluded.  Taking a build (writing its host)
happens under the same lock, so the next build on this host sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import threading
from typing import Any

from oslo_log import log as logging

from nova import exception
from nova import objects
from nova import server_groups
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

_HARD = (server_groups.AFFINITY, server_groups.ANTI_AFFINITY)


class LateCheck:
    """The late check of one compute host."""

    def __init__(self, db: Database, host: str) -> None:
        self.db = db
        self.host = host
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def taking(self, ctxt: RequestContext, instance: objects.Instance,
               group: dict[str, Any] | None) -> Iterator[None]:
        """Check the group's policy for ``instance`` on this host; the
        body takes the build (writes its host) while no other build of
        this host is checked."""
        if not group or group.get('policy') not in _HARD:
            yield
            return
        with self._lock:
            rows = self.db.instances_by_system_metadata(
                ctxt, server_groups.SYSTEM_METADATA_KEY, group['uuid'])
            hosts = server_groups.host_counts(
                row['host'] for row in rows
                if row['uuid'] != instance.uuid
                and row['vm_state'] != vm_states.ERROR)
            reason = server_groups.violation(group, self.host, hosts)
            if reason:
                LOG.info('Build of %s refused on %s: %s', instance.uuid,
                         self.host, reason)
                raise exception.GroupPolicyViolation(
                    instance_uuid=instance.uuid, reason=reason)
            yield
