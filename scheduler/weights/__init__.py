"""Host weighers: the scheduler prefers hosts with higher weights."""

from __future__ import annotations

from nova.scheduler.host_manager import HostState


class RAMWeigher:
    """Spread instances: the more free RAM, the better."""

    multiplier = 1.0

    def weigh(self, host_state: HostState) -> float:
        return float(host_state.free_ram_mb)
