"""Default flavors of a new API cell."""

from __future__ import annotations

from oslo_log import log as logging

from nova import context as nova_context
from nova.db.api import Database

LOG = logging.getLogger(__name__)

# name, flavorid, memory_mb, vcpus, root_gb
DEFAULT_FLAVORS = [
    ('m1.tiny', '1', 512, 1, 1),
    ('m1.small', '2', 2048, 1, 20),
    ('m1.medium', '3', 4096, 2, 40),
    ('m1.large', '4', 8192, 4, 80),
    ('m1.xlarge', '5', 16384, 8, 160),
]


def ensure_default_flavors(db: Database) -> int:
    """Create the classic m1.* flavors when a cell has no flavor at all.

    Returns how many were created.
    """
    ctxt = nova_context.get_admin_context()
    if db.flavor_get_all(ctxt):
        return 0
    for name, flavorid, memory_mb, vcpus, root_gb in DEFAULT_FLAVORS:
        db.flavor_create(ctxt, {'name': name, 'flavorid': flavorid,
                                'memory_mb': memory_mb, 'vcpus': vcpus,
                                'root_gb': root_gb, 'ephemeral_gb': 0,
                                'swap': 0, 'rxtx_factor': 1.0,
                                'is_public': True})
    LOG.info('Created the default flavors')
    return len(DEFAULT_FLAVORS)
