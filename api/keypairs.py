"""The ``/os-keypairs`` controller: a user's SSH key pairs.

Key pairs belong to a user, not a project: the policy target is the
caller's user, and an administrator passes every rule. Creating without a
``public_key`` generates a pair and answers with its ``private_key``, the
only time it is ever shown; with one, the key is imported.

Microversion 2.1 shapes: no ``type`` field, create answers 200 and delete
202; 2.2 adds ``type`` (ssh or x509) and answers 201 and 204; from 2.10 an
administrator names another user (``user_id`` in the body or the query);
2.35 pages the listing (``limit``, ``marker``: a key pair's name).
"""

from __future__ import annotations

import datetime
from typing import Any

from nova import exception
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import resource_policies as rules
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import keypairs as schemas

_SUMMARY_KEYS = ('name', 'public_key', 'fingerprint')
_NEXT = 'os-keypairs'


def _time(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return common.naive_isotime(value)
    return value


def summary(keypair: dict[str, Any], with_type: bool = False
            ) -> dict[str, Any]:
    """A key pair as listed (with its ``type`` from 2.2)."""
    view = {key: keypair.get(key) for key in _SUMMARY_KEYS}
    if with_type:
        view['type'] = keypair.get('type') or 'ssh'
    return view


def full(keypair: dict[str, Any], with_type: bool = False
         ) -> dict[str, Any]:
    """A key pair as ``GET /os-keypairs/{name}`` shows it."""
    view = summary(keypair, with_type)
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

    def _user(self, req: wsgi.ApiRequest, action: str,
              asked: str | None = None) -> str:
        """The user whose key pairs the caller may ``action``: ``asked``
        (2.10, from the body or the query) or the caller."""
        context = req.context
        validation.validate_query(schemas.query_for(req.api_version),
                                  req.GET.dict_of_lists())
        if asked is None and req.at_least('2.10'):
            asked = req.GET.get('user_id')
        user_id = asked or context.user_id
        policy.authorize(self.enforcer, context, rules.KEYPAIRS % action,
                         target={'user_id': user_id,
                                 'project_id': context.project_id})
        if user_id is None:
            # Key pairs belong to a user: an anonymous caller has none.
            raise errors.Unauthorized()
        return user_id

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        user_id = self._user(req, 'index')
        keypairs = self.compute_api.keypair_get_all(req.context, user_id)
        result: dict[str, Any] = {}
        if req.at_least('2.35'):
            keypairs = _page(req, keypairs)
            if 'limit' in req.GET and len(keypairs) == int(req.GET['limit']) \
                    and keypairs:
                result['keypairs_links'] = [{
                    'rel': 'next', 'href': common.next_link(
                        req, _NEXT, keypairs[-1]['name'])}]
        with_type = req.at_least('2.2')
        result['keypairs'] = [{'keypair': summary(kp, with_type)}
                              for kp in keypairs]
        return wsgi.Result(result)

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        """Generate or import a key pair: 200 with it (201 from 2.2)."""
        validation.validate_body(schemas.create_for(req.api_version), body)
        params = body['keypair']
        if not req.at_least('2.92') and set(params['name']) & {'@', '.'}:
            # Nova took these two in names only from 2.92.
            raise exception.InvalidKeypair(
                reason='Keypair name contains unsafe characters')
        user_id = self._user(req, 'create', params.get('user_id'))
        keypair, private_key = self.compute_api.keypair_create(
            req.context, user_id, params['name'],
            public_key=params.get('public_key'),
            key_type=params.get('type', 'ssh'))
        with_type = req.at_least('2.2')
        view = summary(keypair, with_type)
        view['user_id'] = keypair.get('user_id', user_id)
        if 'public_key' not in params:
            view['private_key'] = private_key
        return wsgi.Result({'keypair': view},
                           status=201 if with_type else 200)

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        user_id = self._user(req, 'show')
        keypair = self.compute_api.keypair_get(req.context, user_id, id)
        return wsgi.Result({'keypair': full(keypair, req.at_least('2.2'))})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        user_id = self._user(req, 'delete')
        self.compute_api.keypair_delete(req.context, user_id, id)
        return wsgi.Result(status=204 if req.at_least('2.2') else 202)


def _page(req: wsgi.ApiRequest, keypairs: list[dict[str, Any]]
          ) -> list[dict[str, Any]]:
    """A page of key pairs sorted by name (2.35)."""
    return common.page_after(
        req, sorted(keypairs, key=lambda kp: kp['name']),
        lambda kp: kp['name'], 'marker [{marker}] not found')
