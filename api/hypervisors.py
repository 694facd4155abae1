"""The ``/os-hypervisors`` controller: the compute nodes of every cell.

With cells a hypervisor's id is ``cell_path@id`` (``api!cell1@2``) and
its service host ``cell_path@host``; ``show`` asks that one cell, the
lists and ``statistics`` ask the whole tree.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova import host_views
from nova.api import common
from nova.api import deps as api_deps
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import wsgi

_DETAIL_FIELDS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
                  'memory_mb_used', 'local_gb_used', 'hypervisor_type',
                  'hypervisor_version', 'free_ram_mb', 'free_disk_gb',
                  'current_workload', 'running_vms', 'cpu_info',
                  'disk_available_least', 'host_ip')


def hypervisor_view(node: dict[str, Any], detail: bool) -> dict[str, Any]:
    """One compute node as Nova 2.1 shows it."""
    service = node['service']
    view: dict[str, Any] = {
        'id': node['id'],
        'hypervisor_hostname': node['hypervisor_hostname'],
        'state': 'up' if service['up'] else 'down',
        'status': 'disabled' if service['disabled'] else 'enabled',
    }
    if detail:
        view.update({k: node[k] for k in _DETAIL_FIELDS})
        view['service'] = {'host': service['host'], 'id': service['id'],
                           'disabled_reason': service['disabled_reason']}
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
        nodes = self.host_api.compute_node_get_all(self._authorize(req))
        return wsgi.Result({'hypervisors': [hypervisor_view(n, detail)
                                            for n in nodes]})

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
        node = self._node(self._authorize(req), id)
        return wsgi.Result({'hypervisor': hypervisor_view(node, True)})

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
        """Hypervisors whose host name contains ``id``."""
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
                            host_views.statistics(nodes)})
