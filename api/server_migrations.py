"""``/servers/{server_id}/migrations``: a server's live migrations in
progress, as Nova shows them (administrators by default).

* ``POST .../migrations/{id}/action`` ``{"force_complete": null}``
  (2.22), ``GET .../migrations`` and ``GET .../migrations/{id}`` (2.23),
  ``DELETE .../migrations/{id}`` (2.24, abort); 404 before.

Live migration is not offered here, so none is ever in progress: the
list is empty and a show is 404.  Force-complete and abort run Nova's
checks (server, policy, lock and state: 409 for a server not migrating)
and then find no such migration: 400 for force-complete, 404 for abort,
as Nova answers.  Nothing is changed.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova.api import admin_policies as rules
from nova.api import errors
from nova.api import server_common
from nova.api import validation
from nova.api import wsgi

force_complete = {
    'type': 'object',
    'properties': {'force_complete': {'type': 'null'}},
    'required': ['force_complete'],
    'additionalProperties': False,
}


class ServerMigrationsController(server_common.ServerSubresource):
    """Actions on ``/servers/{server_id}/migrations``."""

    RULE = rules.SERVER_MIGRATIONS

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        instance = self._server(req, server_id, 'index')
        return wsgi.Result({'migrations': self.compute_api.
                            live_migrations_in_progress(req.context,
                                                        instance)})

    def show(self, req: wsgi.ApiRequest, server_id: str,
             id: str) -> wsgi.Result:
        instance = self._server(req, server_id, 'show')
        for migration in self.compute_api.live_migrations_in_progress(
                req.context, instance):
            if str(migration['id']) == id:
                return wsgi.Result({'migration': migration})
        raise errors.ItemNotFound(
            reason=f'In-progress live migration {id} is not found for '
                   f'server {server_id}.')

    def delete(self, req: wsgi.ApiRequest, server_id: str,
               id: str) -> wsgi.Result:
        """Abort: 202 (never, here), 404 for no such migration."""
        instance = self._server(req, server_id, 'delete')
        try:
            with server_common.state_conflicts('abort live migration',
                                               server_id):
                self.compute_api.live_migrate_abort(req.context, instance,
                                                    id)
        except exception.MigrationNotFoundForInstance as exc:
            raise errors.ItemNotFound(reason=exc.format_message()) from exc
        return wsgi.Result(status=202)

    def action(self, req: wsgi.ApiRequest, server_id: str, id: str,
               body: Any) -> wsgi.Result:
        """``{"force_complete": null}``: 202 (never, here), 400 for no
        such migration."""
        validation.validate_body(force_complete, body)
        instance = self._server(req, server_id, 'force_complete')
        try:
            with server_common.state_conflicts('force_complete', server_id):
                self.compute_api.live_migrate_force_complete(
                    req.context, instance, id)
        except exception.MigrationNotFoundForInstance as exc:
            raise errors.BadRequest(reason=exc.format_message()) from exc
        return wsgi.Result(status=202)
