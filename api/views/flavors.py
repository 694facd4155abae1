"""How a flavor looks in responses: 2.55 adds ``description``, 2.61
``extra_specs`` (policy permitting), and from 2.75 no swap is 0, not an
empty string."""

from __future__ import annotations

from typing import Any

from nova import objects
from nova.api import common
from nova.api import policy
from nova.api import wsgi

COLLECTION = 'flavors'


def _description(flavor: objects.Flavor) -> str | None:
    return flavor.description if flavor.obj_attr_is_set('description') \
        else None


def show_extra_specs(enforcer: Any, req: wsgi.ApiRequest) -> bool:
    """Whether flavor views show extra specs (2.61, policy permitting)."""
    return req.at_least('2.61') and policy.authorize(
        enforcer, req.context, policy.FLAVOR_EXTRA_SPECS_INDEX,
        target={'project_id': req.context.project_id}, fatal=False)


def basic(req: wsgi.ApiRequest, flavor: objects.Flavor) -> dict[str, Any]:
    """The entry of a flavor in ``GET /flavors``."""
    view: dict[str, Any] = {
        'id': flavor.flavorid,
        'name': flavor.name,
        'links': common.links(req, COLLECTION, flavor.flavorid),
    }
    if req.at_least('2.55'):
        view['description'] = _description(flavor)
    return view


def detail(req: wsgi.ApiRequest, flavor: objects.Flavor,
           with_extra_specs: bool = False) -> dict[str, Any]:
    """The full view of a flavor."""
    view: dict[str, Any] = {
        'id': flavor.flavorid,
        'name': flavor.name,
        'ram': flavor.memory_mb,
        'disk': flavor.root_gb,
        # Nova shows "no swap" and "no factor" as empty strings (no swap
        # is 0 from 2.75).
        'swap': flavor.swap or (0 if req.at_least('2.75') else ''),
        'OS-FLV-EXT-DATA:ephemeral': flavor.ephemeral_gb,
        'OS-FLV-DISABLED:disabled': flavor.disabled,
        'vcpus': flavor.vcpus,
        'os-flavor-access:is_public': flavor.is_public,
        'rxtx_factor': flavor.rxtx_factor or '',
        'links': common.links(req, COLLECTION, flavor.flavorid),
    }
    if req.at_least('2.55'):
        view['description'] = _description(flavor)
    if with_extra_specs:
        view['extra_specs'] = (dict(flavor.extra_specs or {})
                               if flavor.obj_attr_is_set('extra_specs')
                               else {})
    return view
