"""Host filters: each says whether one host can take one instance."""

from __future__ import annotations

from typing import Any

from nova.scheduler.host_manager import HostState


class BaseHostFilter:
    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        raise NotImplementedError

    def filter_all(self, hosts: list[HostState],
                   spec: dict[str, Any]) -> list[HostState]:
        return [h for h in hosts if self.host_passes(h, spec)]
