"""Server group filters: hard affinity and anti-affinity.

They read the build's group spec (``server_group``) and the members per
host of this cell (``group_hosts``, counted by the scheduler from the
spec, its cell's database and the builds it sent but no host has taken
yet: see :mod:`nova.scheduler.group_placements`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from nova import server_groups
from nova.scheduler.filters import BaseHostFilter
from nova.scheduler.host_manager import HostState


class _GroupFilter(BaseHostFilter):
    policy = ''

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        group = spec.get(server_groups.FILTER_PROPERTY)
        if not group or group.get('policy') != self.policy:
            return True
        return server_groups.host_allowed(
            group, host_state.host, spec.get('group_hosts') or Counter())


class ServerGroupAffinityFilter(_GroupFilter):
    """A member of an affinity group goes to the host of the others (any
    host for the first)."""

    policy = server_groups.AFFINITY


class ServerGroupAntiAffinityFilter(_GroupFilter):
    """A member of an anti-affinity group goes to a host holding fewer
    than ``max_server_per_host`` (1 unless the 2.64 rule says) of the
    others."""

    policy = server_groups.ANTI_AFFINITY
