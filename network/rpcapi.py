"""Client side of the nova-network RPC API (topic ``network``).

API version history:

* 1.0 - Initial version: allocate_for_instance, deallocate_for_instance.
"""

from __future__ import annotations

from typing import Any

import oslo_messaging

from nova import rpc
from nova.context import RequestContext

RPC_TOPIC = 'network'


class NetworkAPI:
    VERSION = '1.0'

    def __init__(self, transport: oslo_messaging.Transport,
                 timeout: float | None = None) -> None:
        target = oslo_messaging.Target(topic=RPC_TOPIC, version='1.0')
        self.client = rpc.get_client(transport, target, timeout=timeout)

    def allocate_for_instance(self, ctxt: RequestContext, instance_uuid: str,
                              host: str) -> list[dict[str, Any]]:
        """Allocate fixed IPs; returns the instance's network info."""
        return self.client.prepare(version='1.0').call(
            ctxt, 'allocate_for_instance', instance_uuid=instance_uuid,
            host=host)

    def deallocate_for_instance(self, ctxt: RequestContext, instance_uuid: str
                                ) -> None:
        self.client.prepare(version='1.0').call(
            ctxt, 'deallocate_for_instance', instance_uuid=instance_uuid)
