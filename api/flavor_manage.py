"""Flavor administration: ``POST /flavors``, ``PUT /flavors/{id}`` (2.55:
the description) and ``DELETE /flavors/{id}`` (os-flavor-manage), and the
``/flavors/{id}/os-extra_specs`` controller.

Creating and deleting flavors and changing extra specs is for
administrators (by default policy); reading extra specs is for anyone in
a project. Status codes are Nova's, odd ones included: create answers 200,
delete 202, and deleting an extra spec 200 with no body.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova import objects
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import extra_spec_validation
from nova.api import policy
from nova.api import resource_policies as rules
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import flavor_manage as schemas
from nova.api.views import flavors as views

_MAX_SPEC_LENGTH = 255


def _integer(value: int | str, name: str, minimum: int) -> int:
    """``value`` as an int within the database's range, or 400."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise exception.InvalidInput(
            reason=f'{name} must be an integer.') from None
    if number < minimum:
        raise exception.InvalidInput(reason=f'{name} must be >= {minimum}')
    if number > schemas.MAX_INT:
        raise exception.InvalidInput(
            reason=f'{name} must be <= {schemas.MAX_INT}')
    return number


def _rxtx_factor(value: float | str) -> float:
    try:
        factor = float(value)
    except (TypeError, ValueError):
        factor = -1.0
    if not 0 < factor <= schemas.MAX_FLOAT:
        raise exception.InvalidInput(
            reason="'rxtx_factor' argument must be a float between 0 and "
                   f'{schemas.MAX_FLOAT:g}')
    return factor


def flavor_values(flavor: dict[str, Any]) -> dict[str, Any]:
    """What ``compute_api.flavor_create`` takes, from a request body."""
    flavorid = flavor.get('id')
    return {
        'name': flavor['name'],
        # JSON numbers become strings: flavor IDs are strings.
        'flavorid': None if flavorid is None else str(flavorid),
        'memory_mb': _integer(flavor['ram'], 'memory_mb', 1),
        'vcpus': _integer(flavor['vcpus'], 'vcpus', 1),
        'root_gb': _integer(flavor['disk'], 'root_gb', 0),
        'ephemeral_gb': _integer(
            flavor.get('OS-FLV-EXT-DATA:ephemeral', 0), 'ephemeral_gb', 0),
        'swap': _integer(flavor.get('swap', 0), 'swap', 0),
        'rxtx_factor': _rxtx_factor(flavor.get('rxtx_factor', 1.0)),
        'is_public': _boolean(flavor.get('os-flavor-access:is_public',
                                         True)),
    }


def _boolean(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    # The schema admitted only the spellings strutils knows.
    return value.lower() in ('true', 't', 'yes', 'y', 'on', '1')


class FlavorManageController:
    """``POST /flavors`` and ``DELETE /flavors/{id}``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        """Create a flavor: 200 with its detailed view."""
        validation.validate_body(schemas.create_for(req.api_version), body)
        policy.authorize(self.enforcer, req.context,
                         rules.FLAVOR_MANAGE % 'create')
        values = flavor_values(body['flavor'])
        if 'description' in body['flavor']:
            values['description'] = body['flavor']['description']
        flavor = self.compute_api.flavor_create(req.context, values)
        return wsgi.Result({'flavor': views.detail(
            req, flavor, views.show_extra_specs(self.enforcer, req))})

    def update(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        """Change a flavor's description (2.55): 200 with the flavor."""
        validation.validate_body(schemas.update, body)
        policy.authorize(self.enforcer, req.context,
                         rules.FLAVOR_MANAGE % 'update')
        flavor = self.compute_api.flavor_update_description(
            req.context, id, body['flavor']['description'])
        return wsgi.Result({'flavor': views.detail(
            req, flavor, views.show_extra_specs(self.enforcer, req))})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context,
                         rules.FLAVOR_MANAGE % 'delete')
        self.compute_api.flavor_delete(req.context, id)
        return wsgi.Result(status=202)


def _spec_strings(specs: dict[str, Any]) -> dict[str, str]:
    """Values as stored: numbers become strings of at most 255 chars."""
    result = {}
    for key, value in specs.items():
        text = value if isinstance(value, str) else str(value)
        if len(text) > _MAX_SPEC_LENGTH:
            raise errors.BadRequest(
                reason=f'extra_specs value has more than '
                       f'{_MAX_SPEC_LENGTH} characters.')
        result[key] = text
    return result


def _check_known_specs(req: wsgi.ApiRequest, specs: dict[str, str]) -> None:
    """From 2.86 the specs Nova knows are validated (400 otherwise)."""
    if req.at_least('2.86'):
        for name, value in specs.items():
            extra_spec_validation.validate(name, value)


class FlavorExtraSpecsController:
    """Actions on ``/flavors/{flavor_id}/os-extra_specs``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def _flavor(self, req: wsgi.ApiRequest, flavor_id: str,
                action: str) -> objects.Flavor:
        policy.authorize(self.enforcer, req.context,
                         rules.EXTRA_SPECS % action)
        return self.compute_api.flavor_get(req.context, flavor_id)

    @staticmethod
    def _specs(flavor: objects.Flavor) -> dict[str, Any]:
        if not flavor.obj_attr_is_set('extra_specs'):
            return {}
        return dict(flavor.extra_specs or {})

    def index(self, req: wsgi.ApiRequest, flavor_id: str) -> wsgi.Result:
        flavor = self._flavor(req, flavor_id, 'index')
        return wsgi.Result({'extra_specs': self._specs(flavor)})

    def show(self, req: wsgi.ApiRequest, flavor_id: str,
             id: str) -> wsgi.Result:
        specs = self._specs(self._flavor(req, flavor_id, 'show'))
        if id not in specs:
            raise _spec_not_found(flavor_id, id)
        return wsgi.Result({id: specs[id]})

    def create(self, req: wsgi.ApiRequest, flavor_id: str,
               body: Any) -> wsgi.Result:
        """Add or change specs; 200 echoing the request, as Nova does."""
        validation.validate_body(schemas.create_extra_specs, body)
        specs = _spec_strings(body['extra_specs'])
        _check_known_specs(req, specs)
        self._flavor(req, flavor_id, 'create')
        self.compute_api.flavor_extra_specs_update(req.context, flavor_id,
                                                   specs)
        return wsgi.Result(body)

    def update(self, req: wsgi.ApiRequest, flavor_id: str, id: str,
               body: Any) -> wsgi.Result:
        """Set one spec; the body must be exactly ``{id: value}``."""
        validation.validate_body(schemas.update_extra_spec, body)
        specs = _spec_strings(body)
        if id not in specs:
            raise errors.BadRequest(reason='Request body and URI mismatch')
        _check_known_specs(req, specs)
        self._flavor(req, flavor_id, 'update')
        self.compute_api.flavor_extra_specs_update(req.context, flavor_id,
                                                   specs)
        return wsgi.Result(body)

    def delete(self, req: wsgi.ApiRequest, flavor_id: str,
               id: str) -> wsgi.Result:
        if id not in self._specs(self._flavor(req, flavor_id, 'delete')):
            raise _spec_not_found(flavor_id, id)
        self.compute_api.flavor_extra_spec_delete(req.context, flavor_id,
                                                  id)
        return wsgi.Result(status=200)


def _spec_not_found(flavor_id: str, key: str) -> errors.ItemNotFound:
    return errors.ItemNotFound(
        reason=f'Flavor {flavor_id} has no extra specs with key {key}.')
