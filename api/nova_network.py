"""The nova-network proxies of Nova up to microversion 2.35:
``os-networks``, ``os-floating-ip-pools``, ``os-floating-ips`` and
``os-fixed-ips``, as far as this deployment's nova-network goes.

* Networks are each child cell's own (``[network] fixed_range``), listed
  from every cell with ids ``cell_path@id``.  Creating, deleting and
  (dis)associating networks through the API is not offered: 400 in
  Nova's words for a nova-network that cannot.
* There are no floating IPs: no pools, an empty list, 404 for any
  floating IP, and allocation answers Nova's "No more floating IPs
  available." (404).
* A fixed IP is shown from the servers' addresses in the API cell's
  copy; reserving one is refused (400).
"""

from __future__ import annotations

from typing import Any

from nova.api import admin_policies as rules
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import validation
from nova.api import wsgi

_PUBLIC_KEYS = ('id', 'cidr', 'netmask', 'gateway', 'broadcast', 'label',
                'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'netmask_v6')
# What Nova's admin view adds; this nova-network has none of it set.
_ADMIN_KEYS = ('bridge', 'bridge_interface', 'dhcp_server', 'dhcp_start',
               'enable_dhcp', 'host', 'injected', 'mtu', 'multi_host',
               'priority', 'project_id', 'rxtx_base', 'share_address',
               'vlan', 'vpn_private_address', 'vpn_public_address',
               'vpn_public_port', 'created_at', 'updated_at', 'deleted',
               'deleted_at')

def network_view(network: dict[str, Any], admin: bool) -> dict[str, Any]:
    view = {key: network.get(key) for key in _PUBLIC_KEYS}
    if admin:
        view.update({key: network.get(key) for key in _ADMIN_KEYS})
        view['deleted'] = False
    return view


class _Proxy:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    host_api = common.ComputePart('host_api')

    def _authorize(self, req: wsgi.ApiRequest, rule: str) -> None:
        policy.authorize(self.enforcer, req.context, rule)


class NetworksController(_Proxy):
    """``/os-networks``."""

    def _networks(self, req: wsgi.ApiRequest) -> list[dict[str, Any]]:
        return self.host_api.network_get_all(req.context.elevated())

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        self._authorize(req, rules.NETWORKS % 'list')
        admin = bool(req.context.is_admin)
        return wsgi.Result({'networks': [network_view(n, admin)
                                         for n in self._networks(req)]})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, rules.NETWORKS % 'show')
        for network in self._networks(req):
            if str(network['id']) == id:
                return wsgi.Result({'network': network_view(
                    network, bool(req.context.is_admin))})
        raise errors.ItemNotFound(reason='Network could not be found.')

    def _refused(self, req: wsgi.ApiRequest, rule: str, what: str
                 ) -> errors.BadRequest:
        self._authorize(req, rules.NETWORKS % rule)
        return errors.BadRequest(
            reason=f'{what} is not supported: each cell\'s nova-network '
                   'keeps the network of its [network] fixed_range.')

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        refused = self._refused(req, 'create', 'Creating networks')
        validation.validate_body({'type': 'object', 'required': ['network'],
                                  'properties': {'network': {
                                      'type': 'object'}}}, body)
        raise refused

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        raise self._refused(req, 'delete', 'Deleting networks')

    def action(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        """``disassociate`` and the other network actions."""
        common.action_name(body, ('disassociate', 'associate_host',
                                  'disassociate_host',
                                  'disassociate_project'))
        raise self._refused(req, 'associate', 'Associating networks')


class FloatingIPPoolsController(_Proxy):
    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        self._authorize(req, rules.FLOATING_IP_POOLS)
        return wsgi.Result({'floating_ip_pools': []})


_allocate: dict[str, Any] = {
    'type': ['object', 'null'],
    'properties': {'pool': {'type': ['string', 'null'], 'maxLength': 255}},
    'additionalProperties': False,
}


class FloatingIPsController(_Proxy):
    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        self._authorize(req, rules.FLOATING_IPS)
        return wsgi.Result({'floating_ips': []})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, rules.FLOATING_IPS)
        raise errors.ItemNotFound(reason=f'Floating IP not found for ID {id}')

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, rules.FLOATING_IPS)
        raise errors.ItemNotFound(reason=f'Floating IP not found for ID {id}')

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        self._authorize(req, rules.FLOATING_IPS)
        validation.validate_body(_allocate, body)
        pool = (body or {}).get('pool')
        if pool:
            raise errors.ItemNotFound(reason='Floating IP pool not found.')
        raise errors.ItemNotFound(reason='No more floating IPs available.')


class FixedIPsController(_Proxy):
    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        self._authorize(req, rules.FIXED_IPS % 'show')
        ctxt = req.context.elevated()
        for row in self.compute_api.get_all_rows(
                ctxt, {'ip': id}, columns=('uuid', 'hostname', 'host',
                                           'display_name'),
                expected_attrs=('network_info',)):
            for vif in row.get('network_info') or ():
                if vif.get('address') == id:
                    return wsgi.Result({'fixed_ip': {
                        'address': id, 'cidr': vif.get('cidr'),
                        'host': row.get('host'),
                        'hostname': row.get('hostname')
                        or row.get('display_name')}})
        raise errors.ItemNotFound(
            reason=f'Fixed IP address {id} is not allocated to a server.')

    def action(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        """``{"reserve": null}`` / ``{"unreserve": null}``."""
        self._authorize(req, rules.FIXED_IPS % 'reserve')
        if not isinstance(body, dict) or len(body) != 1 or \
                next(iter(body)) not in ('reserve', 'unreserve'):
            raise errors.BadRequest(
                reason='Malformed message body: reserve or unreserve '
                       'expected')
        raise errors.BadRequest(
            reason='Reserving fixed IPs is not supported: each cell\'s '
                   'nova-network reserves its own.')
