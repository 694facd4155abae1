"""Client side of the host scheduler RPC API (topic ``scheduler``).

API version history:

* 1.0 - Initial version: build_instances.
* 1.1 - prep_resize, unshelve_instance.
"""

from __future__ import annotations

from typing import Any

import oslo_messaging

from nova import objects
from nova import rpc
from nova.context import RequestContext

RPC_TOPIC = 'scheduler'


class SchedulerAPI:
    VERSION = '1.1'

    def __init__(self, transport: oslo_messaging.Transport) -> None:
        target = oslo_messaging.Target(topic=RPC_TOPIC, version='1.0')
        self.client = rpc.get_client(transport, target)

    def build_instances(self, ctxt: RequestContext, instances: list[Any],
                        request_spec: dict[str, Any],
                        filter_properties: dict[str, Any]) -> None:
        """Pick a host for each instance and have it built there."""
        self.client.prepare(version='1.0').cast(
            ctxt, 'build_instances', instances=instances,
            request_spec=request_spec, filter_properties=filter_properties)

    def prep_resize(self, ctxt: RequestContext, instance: objects.Instance,
                    flavor: objects.Flavor, request_spec: dict[str, Any],
                    filter_properties: dict[str, Any]) -> None:
        """Pick the destination of a resize and start it there."""
        self.client.prepare(version='1.1').cast(
            ctxt, 'prep_resize', instance=instance, flavor=flavor,
            request_spec=request_spec, filter_properties=filter_properties)

    def unshelve_instance(self, ctxt: RequestContext,
                          instance: objects.Instance,
                          image: objects.ImageMeta | None,
                          request_spec: dict[str, Any],
                          filter_properties: dict[str, Any]) -> None:
        """Pick a host for an offloaded instance and unshelve it there."""
        self.client.prepare(version='1.1').cast(
            ctxt, 'unshelve_instance', instance=instance, image=image,
            request_spec=request_spec, filter_properties=filter_properties)
