"""Host weighers: the scheduler prefers hosts with higher weights.

Each weigher's raw weights are normalised to 0..1 across the candidates
and multiplied by its multiplier before they are summed (as in Nova), so
that weighers of different units (megabytes, members) can be combined.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from nova import server_groups
from nova.scheduler.host_manager import HostState


class BaseHostWeigher:
    multiplier = 1.0

    def weigh(self, host_state: HostState, spec: dict[str, Any]) -> float:
        raise NotImplementedError


class RAMWeigher(BaseHostWeigher):
    """Spread instances: the more free RAM, the better."""

    def weigh(self, host_state: HostState, spec: dict[str, Any]) -> float:
        return float(host_state.free_ram_mb)


class _ServerGroupWeigher(BaseHostWeigher):
    policy = ''

    def __init__(self, multiplier: float = 1.0) -> None:
        self.multiplier = multiplier

    def weigh(self, host_state: HostState, spec: dict[str, Any]) -> float:
        group = spec.get(server_groups.FILTER_PROPERTY)
        if not group or group.get('policy') != self.policy:
            return 0.0
        return server_groups.soft_weight(group, host_state.host,
                                         spec.get('group_hosts') or Counter())


class ServerGroupSoftAffinityWeigher(_ServerGroupWeigher):
    """A member of a soft-affinity group: the more members a host holds,
    the better."""

    policy = server_groups.SOFT_AFFINITY


class ServerGroupSoftAntiAffinityWeigher(_ServerGroupWeigher):
    """A member of a soft-anti-affinity group: the fewer members a host
    holds, the better."""

    policy = server_groups.SOFT_ANTI_AFFINITY


def normalized(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high == low:
        return [0.0] * len(values)
    return [(v - low) / (high - low) for v in values]


def weigh_all(weighers: list[BaseHostWeigher], hosts: list[HostState],
              spec: dict[str, Any]) -> list[float]:
    """The total weight of each host, in the order given."""
    totals = [0.0] * len(hosts)
    for weigher in weighers:
        raw = normalized([weigher.weigh(h, spec) for h in hosts])
        totals = [t + weigher.multiplier * r
                  for t, r in zip(totals, raw, strict=True)]
    return totals
