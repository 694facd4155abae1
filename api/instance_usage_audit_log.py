"""``/os-instance_usage_audit_log``: how far the compute hosts got with
the usage audit of the last completed period (a calendar month, Nova's
default), or of the one before ``{before_timestamp}``.

The compute hosts of this deployment run no usage audit, so every
enabled compute host of every cell is "not run" and the totals are zero;
the shape is Nova's, so clients and tempest read it as they would a
cloud whose audit has not run yet.
"""

from __future__ import annotations

import datetime
from typing import Any

from oslo_utils import timeutils

from nova.api import admin_policies as rules
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import wsgi

_FORMATS = ('%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f')


def last_completed_month(before: datetime.datetime
                         ) -> tuple[datetime.datetime, datetime.datetime]:
    """The calendar month that ended last before ``before``."""
    end = before.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    begin = (end - datetime.timedelta(days=1)).replace(day=1)
    return begin, end


def audit_view(hosts: list[str], begin: datetime.datetime,
               end: datetime.datetime) -> dict[str, Any]:
    """The audit of ``hosts`` none of which recorded a run."""
    return {
        'period_beginning': str(begin), 'period_ending': str(end),
        'num_hosts': len(hosts), 'num_hosts_done': 0,
        'num_hosts_running': 0, 'num_hosts_not_run': len(hosts),
        'hosts_not_run': sorted(hosts), 'total_instances': 0,
        'total_errors': 0,
        'overall_status': '%s hosts done. 0 errors.' % (
            'ALL' if not hosts else '0 of %d' % len(hosts)),
        'log': {},
    }


class InstanceUsageAuditLogController:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    host_api = common.ComputePart('host_api')

    def _audit(self, req: wsgi.ApiRequest, before: datetime.datetime
               ) -> dict[str, Any]:
        services = self.host_api.service_get_all(req.context.elevated(),
                                                 binary='nova-compute')
        hosts = [s['host'] for s in services if not s.get('disabled')]
        return audit_view(hosts, *last_completed_month(before))

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context, rules.AUDIT_LOG % 'list')
        now = timeutils.utcnow().replace(tzinfo=None)
        return wsgi.Result({'instance_usage_audit_logs':
                            self._audit(req, now)})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context, rules.AUDIT_LOG % 'show')
        for fmt in _FORMATS:
            try:
                before = datetime.datetime.strptime(id, fmt)
                break
            except ValueError:
                continue
        else:
            raise errors.BadRequest(
                reason='Invalid timestamp for date %s' % id)
        return wsgi.Result({'instance_usage_audit_log':
                            self._audit(req, before)})
