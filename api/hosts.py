"""``/os-hosts`` (administrators), as Nova 2.1 still serves it: the
hosts of every cell (``cell_path@host``, as ``os-services`` names them),
one compute host's resources, and the host actions, which the fake
hypervisors do not implement (Nova's 501 for such a driver).
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova.api import admin_policies as rules
from nova.api import common
from nova.api import deps as api_deps
from nova.api import policy
from nova.api import validation
from nova.api import wsgi

_TOPICS = {'nova-compute': 'compute', 'nova-cells': 'cells',
           'nova-scheduler': 'scheduler', 'nova-network': 'network',
           'nova-api': 'api'}

update: dict[str, Any] = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enable', 'disable',
                                              'Enable', 'Disable',
                                              'ENABLE', 'DISABLE']},
        'maintenance_mode': {'type': 'string', 'enum': [
            'enable', 'disable', 'Enable', 'Disable', 'ENABLE',
            'DISABLE']},
    },
    'anyOf': [{'required': ['status']}, {'required': ['maintenance_mode']}],
    'additionalProperties': False,
}


def _resource(host: str, project: str, cpu: int, memory_mb: int,
              disk_gb: int) -> dict[str, Any]:
    return {'resource': {'host': host, 'project': project, 'cpu': cpu,
                         'memory_mb': memory_mb, 'disk_gb': disk_gb}}


class HostsController:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    host_api = common.ComputePart('host_api')

    def _authorize(self, req: wsgi.ApiRequest, action: str) -> Any:
        policy.authorize(self.enforcer, req.context, rules.HOSTS % action,
                         target={})
        return req.context.elevated()

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        ctxt = self._authorize(req, 'list')
        # An empty zone filters nothing, as in Nova.
        zone = req.GET.get('zone') or None
        hosts = [{'host_name': s['host'],
                  'service': _TOPICS.get(s['binary'], s.get('topic')),
                  'zone': s.get('availability_zone')}
                 for s in self.host_api.service_get_all(ctxt)
                 if zone is None or s.get('availability_zone') == zone]
        return wsgi.Result({'hosts': hosts})

    def _nodes(self, ctxt: Any, host: str) -> list[dict[str, Any]]:
        nodes = [n for n in self.host_api.compute_node_get_all(ctxt)
                 if n['service']['host'] == host]
        if not nodes:
            raise exception.ComputeHostNotFound(host=host)
        return nodes

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        """The host's totals, what its instances use now and at most,
        and what each project's instances use."""
        ctxt = self._authorize(req, 'show')
        nodes = self._nodes(ctxt, id)
        total = [sum(n[k] for n in nodes)
                 for k in ('vcpus', 'memory_mb', 'local_gb')]
        used = [sum(n[k] for n in nodes)
                for k in ('vcpus_used', 'memory_mb_used', 'local_gb_used')]
        cell_path, _, bare = id.rpartition('@')
        search = {'host': bare}
        if cell_path:
            search['cell_name'] = cell_path
        projects: dict[str, list[int]] = {}
        for row in self.compute_api.get_all_rows(
                ctxt, search, columns=('project_id', 'vcpus', 'memory_mb',
                                       'root_gb', 'ephemeral_gb'),
                expected_attrs=()):
            usage = projects.setdefault(row['project_id'], [0, 0, 0])
            usage[0] += row['vcpus'] or 0
            usage[1] += row['memory_mb'] or 0
            usage[2] += (row['root_gb'] or 0) + (row['ephemeral_gb'] or 0)
        used_max = [sum(p[i] for p in projects.values()) for i in range(3)]
        resources = [_resource(id, '(total)', *total),
                     _resource(id, '(used_now)', *used),
                     _resource(id, '(used_max)', *used_max)]
        resources += [_resource(id, project, *usage)
                      for project, usage in sorted(projects.items())]
        return wsgi.Result({'host': resources})

    def update(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        """Enable or disable a host, or put it in maintenance: not
        implemented by the fake hypervisors (501), as Nova answers."""
        ctxt = self._authorize(req, 'update')
        validation.validate_body(update, body)
        self._nodes(ctxt, id)
        if 'maintenance_mode' in body:
            raise exception.NotSupported(
                reason='Virt driver does not implement host maintenance '
                       'mode.')
        raise exception.NotSupported(
            reason='Virt driver does not implement host disabled status.')

    def _power(self, req: wsgi.ApiRequest, id: str, action: str
               ) -> wsgi.Result:
        ctxt = self._authorize(req, action)
        self._nodes(ctxt, id)
        raise exception.NotSupported(
            reason='Virt driver does not implement host power management.')

    def startup(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        return self._power(req, id, 'start')

    def shutdown(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        return self._power(req, id, 'shutdown')

    def reboot(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        return self._power(req, id, 'reboot')
