"""The ``/os-keypairs`` controller: a user's SSH key pairs.

Key pairs belong to a user, not a project: the policy target is the
caller's user, and an administrator passes every rule. Creating without a
``public_key`` generates a pair and answers with its ``private_key``, the
only time it is ever shown; with one, the key is imported.

Microversion 2.1 shapes: no ``type`` field, create answers 200 and delete
202 (2.2 moved them to 201 and 204).
"""

from __future__ import annotations

import datetime
from typing import Any

from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import resource_policies as rules
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import keypairs as schemas

_SUMMARY_KEYS = ('name', 'public_key', 'fingerprint')


def _time(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return common.naive_isotime(value)
    return value


def summary(keypair: dict[str, Any]) -> dict[str, Any]:
    """A key pair as listed."""
    return {key: keypair.get(key) for key in _SUMMARY_KEYS}


def full(keypair: dict[str, Any]) -> dict[str, Any]:
    """A key pair as ``GET /os-keypairs/{name}`` shows it."""
    view = summary(keypair)
    view.update({
        'user_id': keypair.get('user_id'),
        'id': keypair.get('id'),
        'created_at': _time(keypair.get('created_at')),
        'updated_at': _time(keypair.get('updated_at')),
        'deleted': bool(keypair.get('deleted', False)),
        'deleted_at': _time(keypair.get('deleted_at')),
    })
    return view


class KeypairsController:
    """Actions on ``/os-keypairs``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def _user(self, req: wsgi.ApiRequest, action: str) -> str:
        """The user whose key pairs the caller may ``action``."""
        context = req.context
        policy.authorize(self.enforcer, context, rules.KEYPAIRS % action,
                         target={'user_id': context.user_id,
                                 'project_id': context.project_id})
        if context.user_id is None:
            # Key pairs belong to a user: an anonymous caller has none.
            raise errors.Unauthorized()
        return context.user_id

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        user_id = self._user(req, 'index')
        keypairs = self.compute_api.keypair_get_all(req.context, user_id)
        return wsgi.Result({'keypairs': [{'keypair': summary(kp)}
                                         for kp in keypairs]})

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        """Generate or import a key pair: 200 with it."""
        validation.validate_body(schemas.create, body)
        user_id = self._user(req, 'create')
        params = body['keypair']
        keypair, private_key = self.compute_api.keypair_create(
            req.context, user_id, params['name'],
            public_key=params.get('public_key'))
        view = summary(keypair)
        view['user_id'] = keypair.get('user_id', user_id)
        if 'public_key' not in params:
            view['private_key'] = private_key
        return wsgi.Result({'keypair': view})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        user_id = self._user(req, 'show')
        keypair = self.compute_api.keypair_get(req.context, user_id, id)
        return wsgi.Result({'keypair': full(keypair)})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        user_id = self._user(req, 'delete')
        self.compute_api.keypair_delete(req.context, user_id, id)
        return wsgi.Result(status=202)
