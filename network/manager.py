"""nova-network: fixed IP allocation inside one cell.

Each cell allocates from its own networks (``[network] fixed_range`` is
created at first start when the cell has none).
"""

from __future__ import annotations

import random
from typing import Any

from oslo_log import log as logging
import oslo_messaging

from nova import context as nova_context
from nova import service
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)


def _mac_address(rng: random.Random) -> str:
    # fa:16:3e is the prefix OpenStack uses for the MACs it makes up.
    return 'fa:16:3e:%02x:%02x:%02x' % (rng.randint(0, 255),
                                        rng.randint(0, 255),
                                        rng.randint(0, 255))


class NetworkManager(service.Manager):
    target = oslo_messaging.Target(version='1.0')

    def __init__(self, conf: Any, host: str, db: Database,
                 rng: random.Random | None = None) -> None:
        super().__init__(conf, host)
        self.db = db
        self._rng = rng or random.Random()

    def init_host(self) -> None:
        ctxt = nova_context.get_admin_context()
        if not self.db.network_get_all(ctxt):
            opts = self.conf.network
            self.db.network_create(ctxt, opts.network_label,
                                   opts.fixed_range)
            LOG.info('Created network %s (%s)', opts.network_label,
                     opts.fixed_range)

    def allocate_for_instance(self, context: RequestContext,
                              instance_uuid: str, host: str
                              ) -> list[dict[str, Any]]:
        network, address = self.db.fixed_ip_allocate(context, instance_uuid)
        network_info = [{
            'label': network['label'], 'address': address,
            'version': '4', 'mac': _mac_address(self._rng),
            'network_id': str(network['id']), 'type': 'fixed'}]
        LOG.debug('Allocated %s to %s', network_info, instance_uuid)
        return network_info

    def deallocate_for_instance(self, context: RequestContext,
                                instance_uuid: str) -> None:
        released = self.db.fixed_ip_disassociate_all(context, instance_uuid)
        LOG.debug('Released %s of %s', released, instance_uuid)
