"""How a flavor looks in responses (microversion 2.1)."""

from __future__ import annotations

from typing import Any

from nova import objects
from nova.api import common
from nova.api import wsgi

COLLECTION = 'flavors'


def basic(req: wsgi.ApiRequest, flavor: objects.Flavor) -> dict[str, Any]:
    """The entry of a flavor in ``GET /flavors``."""
    return {
        'id': flavor.flavorid,
        'name': flavor.name,
        'links': common.links(req, COLLECTION, flavor.flavorid),
    }


def detail(req: wsgi.ApiRequest, flavor: objects.Flavor) -> dict[str, Any]:
    """The full view of a flavor."""
    return {
        'id': flavor.flavorid,
        'name': flavor.name,
        'ram': flavor.memory_mb,
        'disk': flavor.root_gb,
        # Nova shows "no swap" and "no factor" as empty strings.
        'swap': flavor.swap or '',
        'OS-FLV-EXT-DATA:ephemeral': flavor.ephemeral_gb,
        'OS-FLV-DISABLED:disabled': flavor.disabled,
        'vcpus': flavor.vcpus,
        'os-flavor-access:is_public': flavor.is_public,
        'rxtx_factor': flavor.rxtx_factor or '',
        'links': common.links(req, COLLECTION, flavor.flavorid),
    }
