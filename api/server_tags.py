"""``/servers/{server_id}/tags`` (microversion 2.26) and
``/servers/{server_id}/topology`` (2.78).

Tags are a set of short strings (no comma, no slash, at most 60
characters, 50 a server).  ``PUT`` on the collection replaces them all and
answers them; ``PUT`` on one tag adds it (201 with its ``Location``, or
204 when the server had it); ``DELETE`` removes one (404 when absent) or
all (204); ``GET`` on one tag answers 204 when the server has it, else
404.  A server in a state Nova refuses (building, deleting...) answers
409.  The API cell owns tags and sends every change to the server's cell.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova import objects
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import resource_policies as rules
from nova.api import server_common
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import parameter_types as types

_UPDATE_ALL = {
    'type': 'object',
    'properties': {'tags': types.tags},
    'required': ['tags'],
    'additionalProperties': False,
}


def _tags(instance: objects.Instance) -> list[str]:
    return sorted(instance.tags) if instance.obj_attr_is_set('tags') else []


class ServerTagsController(server_common.ServerSubresource):
    """Actions on ``/servers/{server_id}/tags``."""

    RULE = rules.SERVER_TAGS

    def _save(self, req: wsgi.ApiRequest, instance: objects.Instance,
              tags: list[str]) -> list[str]:
        with server_common.state_conflicts('update tags', instance.uuid):
            try:
                return self.compute_api.update_instance_tags(
                    req.context, instance, tags)
            except exception.InvalidInput as exc:
                raise errors.BadRequest(reason=exc.kwargs.get(
                    'reason', exc.format_message())) from exc

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        return wsgi.Result(
            {'tags': _tags(self._server(req, server_id, 'index'))})

    def show(self, req: wsgi.ApiRequest, server_id: str,
             id: str) -> wsgi.Result:
        if id not in _tags(self._server(req, server_id, 'show')):
            raise errors.ItemNotFound(
                reason=f'Tag {id} not found on server {server_id}')
        return wsgi.Result(status=204)

    def update_all(self, req: wsgi.ApiRequest, server_id: str,
                   body: Any) -> wsgi.Result:
        validation.validate_body(_UPDATE_ALL, body)
        instance = self._server(req, server_id, 'update_all')
        return wsgi.Result({'tags': self._save(req, instance,
                                               body['tags'])})

    def update(self, req: wsgi.ApiRequest, server_id: str, id: str,
               body: Any = None) -> wsgi.Result:
        validation.validate_body(
            {'type': 'object', 'properties': {'tag': types.tag}},
            {'tag': id})
        instance = self._server(req, server_id, 'update')
        held = _tags(instance)
        if id in held:
            return wsgi.Result(status=204)
        self._save(req, instance, held + [id])
        location = f'{req.prefix_url()}/servers/{server_id}/tags/{id}'
        return wsgi.Result(status=201, headers={'Location': location})

    def delete(self, req: wsgi.ApiRequest, server_id: str,
               id: str) -> wsgi.Result:
        instance = self._server(req, server_id, 'delete')
        held = _tags(instance)
        if id not in held:
            raise errors.ItemNotFound(
                reason=f'Tag {id} not found on server {server_id}')
        self._save(req, instance, [t for t in held if t != id])
        return wsgi.Result(status=204)

    def delete_all(self, req: wsgi.ApiRequest,
                   server_id: str) -> wsgi.Result:
        instance = self._server(req, server_id, 'delete_all')
        self._save(req, instance, [])
        return wsgi.Result(status=204)


class ServerTopologyController:
    """``GET /servers/{server_id}/topology`` (2.78)."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        server_common.authorized_server(self.compute_api, self.enforcer,
                                        req, server_id,
                                        rules.TOPOLOGY % 'index')
        # The fake driver gives no server a NUMA topology: Nova's answer
        # for such a server.
        return wsgi.Result({'nodes': [], 'pagesize_kb': None})
