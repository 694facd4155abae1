"""Read-mostly sub-resources of a server, as Nova 2.1 has them:

* ``/servers/{id}/ips`` and ``/servers/{id}/ips/{network_label}``: the
  server's addresses by network (version and address only);
* ``/servers/{id}/diagnostics`` (administrators): the hypervisor's
  counters, asked of the server's host in its own cell;
* ``/servers/{id}/os-server-password``: the encrypted password the
  guest left (``""`` when none), ``DELETE`` clears it.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova import objects
from nova.api import admin_policies as rules
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import server_common
from nova.api import wsgi
from nova.api.views import servers as views


class _ServerResource:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def _server(self, req: wsgi.ApiRequest, server_id: str, rule: str
                ) -> objects.Instance:
        instance = server_common.get_server(self.compute_api, req.context,
                                            server_id)
        policy.authorize(self.enforcer, req.context, rule,
                         target=server_common.target(instance))
        return instance


def _networks(instance: objects.Instance) -> dict[str, list[dict[str, Any]]]:
    full = views.addresses(views.values_of(instance))
    return {label: [{'version': a['version'], 'addr': a['addr']}
                    for a in addrs]
            for label, addrs in full.items()}


class IPsController(_ServerResource):
    """``/servers/{server_id}/ips``."""

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        instance = self._server(req, server_id, rules.IPS % 'index')
        return wsgi.Result({'addresses': _networks(instance)})

    def show(self, req: wsgi.ApiRequest, server_id: str, id: str
             ) -> wsgi.Result:
        instance = self._server(req, server_id, rules.IPS % 'show')
        networks = _networks(instance)
        if id not in networks:
            raise errors.ItemNotFound(
                reason='Instance is not a member of specified network')
        return wsgi.Result({id: networks[id]})


class DiagnosticsController(_ServerResource):
    """``GET /servers/{server_id}/diagnostics``."""

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        instance = self._server(req, server_id, rules.DIAGNOSTICS)
        # 2.48 answers the standard form, whatever the driver.
        method = ('get_instance_diagnostics' if req.at_least('2.48')
                  else 'get_diagnostics')
        with server_common.state_conflicts('get_diagnostics', server_id):
            try:
                result = getattr(self.compute_api, method)(req.context,
                                                           instance)
            except NotImplementedError:
                raise exception.NotSupported(
                    reason='Unable to get diagnostics, functionality not '
                           'implemented') from None
        return wsgi.Result(result)


class ServerPasswordController(_ServerResource):
    """``/servers/{server_id}/os-server-password``."""

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        instance = self._server(req, server_id,
                                rules.SERVER_PASSWORD % 'show')
        return wsgi.Result(
            {'password': self.compute_api.get_password(instance)})

    def clear(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        """204; the password is gone here and in the server's cell."""
        instance = self._server(req, server_id,
                                rules.SERVER_PASSWORD % 'clear')
        self.compute_api.set_password(req.context, instance, '')
        return wsgi.Result(status=204)
