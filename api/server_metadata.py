"""The ``/servers/{id}/metadata`` controller: a server's key/value tags.

Nova's semantics: ``POST`` merges the given items into the metadata,
``PUT`` on the collection replaces all of it, ``PUT`` on an item sets that
one key and its body must name exactly that key. Changes answer with the
metadata the server has afterwards (``POST``, collection ``PUT``) or with
the item set (item ``PUT``).
"""

from __future__ import annotations

from typing import Any

from nova import context as nova_context
from nova import objects
from nova.api import errors
from nova.api import resource_policies as rules
from nova.api import server_common
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import server_metadata as schemas

_NOT_FOUND = 'Metadata item was not found'


class ServerMetadataController(server_common.ServerSubresource):
    """Actions on ``/servers/{server_id}/metadata``."""

    RULE = rules.METADATA

    @staticmethod
    def _metadata(instance: objects.Instance) -> dict[str, Any]:
        if not instance.obj_attr_is_set('metadata'):
            return {}
        return dict(instance.metadata or {})

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        instance = self._server(req, server_id, 'index')
        return wsgi.Result({'metadata': self._metadata(instance)})

    def show(self, req: wsgi.ApiRequest, server_id: str,
             id: str) -> wsgi.Result:
        metadata = self._metadata(self._server(req, server_id, 'show'))
        if id not in metadata:
            raise errors.ItemNotFound(reason=_NOT_FOUND)
        return wsgi.Result({'meta': {id: metadata[id]}})

    def create(self, req: wsgi.ApiRequest, server_id: str,
               body: Any) -> wsgi.Result:
        """``POST``: merge; 200 with all the server's metadata."""
        validation.validate_body(schemas.create, body)
        instance = self._server(req, server_id, 'create')
        merged = self._update(req.context, instance, body['metadata'],
                              delete=False)
        return wsgi.Result({'metadata': merged})

    def update_all(self, req: wsgi.ApiRequest, server_id: str,
                   body: Any) -> wsgi.Result:
        """``PUT`` on the collection: replace everything."""
        validation.validate_body(schemas.update_all, body)
        instance = self._server(req, server_id, 'update_all')
        replaced = self._update(req.context, instance, body['metadata'],
                                delete=True)
        return wsgi.Result({'metadata': replaced})

    def update(self, req: wsgi.ApiRequest, server_id: str, id: str,
               body: Any) -> wsgi.Result:
        """``PUT`` on an item: set that one key."""
        validation.validate_body(schemas.update, body)
        item = body['meta']
        if id not in item:
            raise errors.BadRequest(reason='Request body and URI mismatch')
        instance = self._server(req, server_id, 'update')
        self._update(req.context, instance, item, delete=False)
        return wsgi.Result({'meta': item})

    def delete(self, req: wsgi.ApiRequest, server_id: str,
               id: str) -> wsgi.Result:
        instance = self._server(req, server_id, 'delete')
        if id not in self._metadata(instance):
            raise errors.ItemNotFound(reason=_NOT_FOUND)
        with server_common.state_conflicts('delete metadata', server_id):
            self.compute_api.delete_instance_metadata(req.context, instance,
                                                      id)
        return wsgi.Result(status=204)

    def _update(self, context: nova_context.RequestContext,
                instance: objects.Instance, metadata: dict[str, str],
                delete: bool) -> dict[str, Any]:
        with server_common.state_conflicts('update metadata',
                                           instance.uuid):
            result = self.compute_api.update_instance_metadata(
                context, instance, metadata, delete=delete)
        return dict(result)
