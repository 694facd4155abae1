"""The ``/os-hypervisors`` controller: the compute nodes of every cell.

With cells a hypervisor's id is ``cell_path@id`` (``api!cell1@2``) and
its service host ``cell_path@host``; ``show`` asks that one cell, the
lists and ``statistics`` ask the whole tree.

Microversions: 2.28 shows ``cpu_info`` as an object; 2.33 pages the
listings (``limit``, ``marker``); from 2.53 hypervisors and their services
are named by UUIDs derived from their cell-qualified ids
(:func:`nova.api.host_ids.uuid_of`), the listings take
``hypervisor_hostname_pattern`` and ``with_servers`` (``show`` too), and
``/{pattern}/search`` answers 404; from 2.75 ``with_servers`` always
shows ``servers``; from 2.88 the detailed views lose the resource
figures (``vcpus``, ``memory_mb``, ``cpu_info``, ... : placement's
business in Nova) and gain ``uptime``, while ``/statistics`` and
``/{id}/uptime`` answer 404.
"""

from __future__ import annotations

import json
from typing import Any

from nova import cell_paths
from nova import exception
from nova import host_views
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import host_ids
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import validation
from nova.api import wsgi

_DETAIL_FIELDS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
                  'memory_mb_used', 'local_gb_used', 'hypervisor_type',
                  'hypervisor_version', 'free_ram_mb', 'free_disk_gb',
                  'current_workload', 'running_vms', 'cpu_info',
                  'disk_available_least', 'host_ip')
# What 2.88 keeps of them.
_DETAIL_FIELDS_V288 = ('hypervisor_type', 'hypervisor_version', 'host_ip')


_QUERY = {
    'type': 'object',
    'properties': {
        'limit': {'type': 'array', 'maxItems': 1, 'items': {
            'type': 'string', 'pattern': '^[0-9]+$'}},
        'marker': {'type': 'array', 'maxItems': 1,
                   'items': {'type': 'string'}},
        'hypervisor_hostname_pattern': {'type': 'array', 'maxItems': 1,
                                        'items': {'type': 'string',
                                                  'minLength': 1}},
        'with_servers': {'type': 'array', 'maxItems': 1, 'items': {
            'type': 'string',
            'pattern': '(?i)^(true|false|t|f|yes|no|y|n|on|off|1|0)$'}},
    },
    'additionalProperties': True,
}


def _cpu_info(value: Any) -> Any:
    """cpu_info as 2.28 shows it: an object (empty when unknown)."""
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if value else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def hypervisor_view(node: dict[str, Any], detail: bool,
                    req: Any = None) -> dict[str, Any]:
    """One compute node as the request's version shows it (2.1 without a
    request)."""
    service = node['service']
    uuids = req is not None and req.at_least('2.53')
    view: dict[str, Any] = {
        'id': host_ids.uuid_of('compute_node', node['id']) if uuids
        else node['id'],
        'hypervisor_hostname': node['hypervisor_hostname'],
        'state': 'up' if service['up'] else 'down',
        'status': 'disabled' if service['disabled'] else 'enabled',
    }
    if not detail:
        return view
    if req is not None and req.at_least('2.88'):
        view.update({k: node[k] for k in _DETAIL_FIELDS_V288})
    else:
        view.update({k: node[k] for k in _DETAIL_FIELDS})
        if req is not None and req.at_least('2.28'):
            view['cpu_info'] = _cpu_info(node['cpu_info'])
    view['service'] = {
        'host': service['host'],
        'id': host_ids.uuid_of('service', service['id'])
        if uuids and service['id'] is not None else service['id'],
        'disabled_reason': service['disabled_reason']}
    if req is not None and req.at_least('2.88'):
        view['uptime'] = node.get('uptime')
    return view


class HypervisorsController:
    """Actions on ``/os-hypervisors``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    host_api = common.ComputePart('host_api')

    def _authorize(self, req: wsgi.ApiRequest) -> Any:
        policy.authorize(self.enforcer, req.context, rules.HYPERVISORS,
                         target={})
        return req.context.elevated()

    def _list(self, req: wsgi.ApiRequest, detail: bool) -> wsgi.Result:
        ctxt = self._authorize(req)
        validation.validate_query(_QUERY, req.GET.dict_of_lists())
        nodes = self.host_api.compute_node_get_all(ctxt)
        # The cells that did not answer, named before any filtering.
        headers = host_views.listing_headers(nodes)
        pattern = req.GET.get('hypervisor_hostname_pattern') \
            if req.at_least('2.53') else None
        if pattern is not None:
            if 'limit' in req.GET or 'marker' in req.GET:
                raise errors.BadRequest(
                    reason='Paging over a list of hypervisors using a '
                           'hostname pattern is not supported.')
            nodes = [n for n in nodes
                     if pattern in n['hypervisor_hostname']]
            if not nodes:
                raise exception.NotFound(
                    'No hypervisor matching %r could be found.' % pattern)
        views = [hypervisor_view(n, detail, req) for n in nodes]
        result: dict[str, Any] = {}
        if req.at_least('2.33'):
            views = common.page_after(req, views, lambda v: v['id'],
                                      'marker [{marker}] not found')
            if 'limit' in req.GET and views and \
                    len(views) == int(req.GET['limit']):
                result['hypervisors_links'] = [{
                    'rel': 'next', 'href': common.next_link(
                        req, 'os-hypervisors/detail' if detail
                        else 'os-hypervisors', str(views[-1]['id']))}]
        self._with_servers(req, ctxt, nodes, views)
        result['hypervisors'] = views
        return wsgi.Result(result, headers=headers)

    def _with_servers(self, req: wsgi.ApiRequest, ctxt: Any,
                      nodes: list[dict[str, Any]],
                      views: list[dict[str, Any]]) -> None:
        """``servers`` of each hypervisor for ``with_servers`` (2.53)."""
        if not (req.at_least('2.53') and common.parse_bool(
                req.GET.get('with_servers', False), 'with_servers')):
            return
        by_id = {host_ids.uuid_of('compute_node', n['id']): n
                 for n in nodes}
        for view in views:
            node = by_id[view['id']]
            cell, _host = cell_paths.split_cell_and_item(node['host'])
            opts: dict[str, Any] = {'node': node['hypervisor_hostname'],
                                    'deleted': False}
            if _host is not None:
                opts['cell_name'] = cell
            rows = self.compute_api.get_all_rows(
                ctxt, opts, columns=('uuid', 'display_name'),
                expected_attrs=())
            servers = [{'uuid': r['uuid'], 'name': r['display_name']}
                       for r in rows]
            if servers or req.at_least('2.75'):
                view['servers'] = servers

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        return self._list(req, detail=False)

    def detail(self, req: wsgi.ApiRequest) -> wsgi.Result:
        return self._list(req, detail=True)

    def _node(self, ctxt: Any, id: str) -> dict[str, Any]:
        try:
            return self.host_api.compute_node_get(ctxt, id)
        except exception.ComputeHostNotFound:
            raise exception.NotFound(
                "Hypervisor with ID '%s' could not be found." % id) from None

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        ctxt = self._authorize(req)
        validation.validate_query(_QUERY, req.GET.dict_of_lists())
        if req.at_least('2.53'):
            nodes = [n for n in self.host_api.compute_node_get_all(ctxt)
                     if host_ids.uuid_of('compute_node', n['id']) == id]
            if not nodes:
                raise exception.NotFound(
                    "Hypervisor with ID '%s' could not be found." % id)
            node = nodes[0]
        else:
            node = self._node(ctxt, id)
        view = hypervisor_view(node, True, req)
        self._with_servers(req, ctxt, [node], [view])
        return wsgi.Result({'hypervisor': view})

    def uptime(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        """The host's uptime (since its compute service registered)."""
        node = self._node(self._authorize(req), id)
        if node.get('uptime') is None:
            raise exception.NotSupported(
                reason='Virt driver does not implement uptime function.')
        view = hypervisor_view(node, False)
        view['uptime'] = node['uptime']
        return wsgi.Result({'hypervisor': view})

    def _matching(self, req: wsgi.ApiRequest, pattern: str
                  ) -> tuple[Any, list[dict[str, Any]]]:
        ctxt = self._authorize(req)
        nodes = [n for n in self.host_api.compute_node_get_all(ctxt)
                 if pattern in n['hypervisor_hostname']]
        if not nodes:
            raise exception.NotFound(
                "No hypervisor matching '%s' could be found." % pattern)
        return ctxt, nodes

    def search(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        """Hypervisors whose host name contains ``id`` (until 2.52)."""
        _ctxt, nodes = self._matching(req, id)
        return wsgi.Result({'hypervisors': [hypervisor_view(n, False)
                                            for n in nodes]})

    def servers(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        """Hypervisors whose host name contains ``id``, each with the
        servers on it (``servers`` left out where none, as Nova 2.1)."""
        ctxt, nodes = self._matching(req, id)
        result = []
        for node in nodes:
            view = hypervisor_view(node, False)
            cell_path, _, host = node['service']['host'].rpartition('@')
            search = {'host': host, 'node': node['hypervisor_hostname']}
            if cell_path:
                search['cell_name'] = cell_path
            rows = self.compute_api.get_all_rows(
                ctxt, search,
                columns=('id', 'uuid'), expected_attrs=())
            if rows:
                view['servers'] = [{'name': 'instance-%08x' % r['id'],
                                    'uuid': r['uuid']} for r in rows]
            result.append(view)
        return wsgi.Result({'hypervisors': result})

    def statistics(self, req: wsgi.ApiRequest) -> wsgi.Result:
        nodes = self.host_api.compute_node_get_all(self._authorize(req))
        return wsgi.Result({'hypervisor_statistics':
                            host_views.statistics(nodes)},
                           headers=host_views.listing_headers(nodes))
