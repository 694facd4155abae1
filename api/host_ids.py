"""Service and hypervisor UUIDs (microversion 2.53).

Nova names services and compute nodes by UUIDs from 2.53 so that ids stay
unique across cells.  Here every service and compute node already has a
unique cell-qualified id (``api!cell1@3``: the cell's routing path and the
row's id in that cell's database), so its UUID is derived from that
(``uuid5``) rather than stored: it is the same on every request, needs no
column in any cell, and finding the item a UUID names means listing the
tree's items (an administrator's call) and matching.  A service that
moves to another cell (it never does) would get a new UUID.
"""

from __future__ import annotations

import uuid

# A fixed namespace: the UUIDs must not change between releases.
_NAMESPACE = uuid.UUID('0b5d8c2e-6f8a-4a51-9d1e-1b7c5a3e9f20')


def uuid_of(kind: str, qualified_id: object) -> str:
    """The UUID of a ``service`` or ``compute_node`` with the
    cell-qualified id ``qualified_id``."""
    return str(uuid.uuid5(_NAMESPACE, f'{kind}:{qualified_id}'))
