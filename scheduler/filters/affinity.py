"""Affinity filters: server groups (hard affinity and anti-affinity) and
the ``same_host`` / ``different_host`` scheduler hints.

The group filters read the build's group spec (``server_group``) and the
members per host of this cell (``group_hosts``, counted by the scheduler
from the spec, its cell's database and the builds it sent but no host
has taken yet: see :mod:`nova.scheduler.group_placements`).  The hint
filters read the host of each named server this cell holds
(``hint_hosts``, read by the scheduler from its cell's database); the
cell scheduler already sent a ``same_host`` build to a cell holding one
of them.
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


def hinted_uuids(spec: dict[str, Any], name: str) -> list[str]:
    """The servers a ``same_host`` or ``different_host`` hint names (a
    uuid or a list of them; none without the hint)."""
    value = (spec.get('scheduler_hints') or {}).get(name)
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _hosts_of(spec: dict[str, Any], uuids: list[str]) -> set[str]:
    # ``hint_hosts``: the host of each hinted server this cell holds,
    # read by the scheduler before filtering.
    where = spec.get('hint_hosts') or {}
    return {where[u] for u in uuids if where.get(u)}


class SameHostFilter(BaseHostFilter):
    """With ``same_host``: only a host holding one of the named servers
    (any of them, as in Nova; named servers that do not exist here count
    for nothing)."""

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        uuids = hinted_uuids(spec, 'same_host')
        return not uuids or host_state.host in _hosts_of(spec, uuids)


class DifferentHostFilter(BaseHostFilter):
    """With ``different_host``: only a host holding none of the named
    servers."""

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        uuids = hinted_uuids(spec, 'different_host')
        return not uuids or host_state.host not in _hosts_of(spec, uuids)
