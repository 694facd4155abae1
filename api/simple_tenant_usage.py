"""``/os-simple-tenant-usage``: what each project's servers used over a
period, from the API cell's copy of every instance (deleted ones too).

A server counts from its launch (or the period's start) to its
termination (or the period's end): hours, and memory, disk and vCPUs
times hours.  ``?start=`` and ``?end=`` bound the period (default: now),
``?detailed=1`` adds each server's usage to the listing; the show of one
project always has them.  As Nova 2.1: no paging.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from oslo_utils import timeutils

from nova.api import admin_policies as rules
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import wsgi

_FORMATS = ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f',
            '%Y-%m-%d %H:%M:%S.%f')


def parse_time(value: str | None, now: datetime.datetime
               ) -> datetime.datetime:
    """A naive UTC time in one of Nova's formats; now when absent."""
    if not value:
        return now
    for fmt in _FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise errors.BadRequest(reason='Datetime is in invalid format')


def _naive(value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = timeutils.parse_isotime(value)
    return timeutils.normalize_time(value)


def _flavor(row: dict[str, Any]) -> dict[str, Any]:
    flavor = row.get('flavor')
    if isinstance(flavor, str):
        flavor = json.loads(flavor)
    return flavor or {}


def server_usage(row: dict[str, Any], start: datetime.datetime,
                 stop: datetime.datetime, now: datetime.datetime
                 ) -> dict[str, Any]:
    """One server's usage over the period, as Nova shows it."""
    launched = _naive(row['launched_at'])
    terminated = _naive(row['terminated_at'])
    assert launched is not None
    begin = max(launched, start)
    end = min(terminated, stop) if terminated else stop
    hours = max((end - begin).total_seconds(), 0) / 3600.0
    flavor = _flavor(row)
    state = 'terminated' if row['deleted'] else row['vm_state']
    uptime = ((terminated or now) - launched).total_seconds()
    return {
        'instance_id': row['uuid'], 'name': row['display_name'],
        'hours': hours, 'memory_mb': row['memory_mb'],
        'local_gb': (row['root_gb'] or 0) + (row['ephemeral_gb'] or 0),
        'vcpus': row['vcpus'], 'tenant_id': row['project_id'],
        'flavor': flavor.get('name'),
        'started_at': common.naive_isotime(launched),
        'ended_at': common.naive_isotime(terminated),
        'state': state, 'uptime': int(uptime),
    }


def tenant_usages(rows: list[dict[str, Any]], start: datetime.datetime,
                  stop: datetime.datetime, now: datetime.datetime,
                  detailed: bool) -> list[dict[str, Any]]:
    """The usage of each project with servers in ``rows``."""
    usages: dict[str, dict[str, Any]] = {}
    for row in rows:
        server = server_usage(row, start, stop, now)
        usage = usages.setdefault(row['project_id'], {
            'tenant_id': row['project_id'], 'total_local_gb_usage': 0.0,
            'total_vcpus_usage': 0.0, 'total_memory_mb_usage': 0.0,
            'total_hours': 0.0, 'start': common.naive_isotime(start),
            'stop': common.naive_isotime(stop), 'server_usages': []})
        hours = server['hours']
        usage['total_hours'] += hours
        usage['total_local_gb_usage'] += server['local_gb'] * hours
        usage['total_vcpus_usage'] += server['vcpus'] * hours
        usage['total_memory_mb_usage'] += server['memory_mb'] * hours
        usage['server_usages'].append(server)
    if not detailed:
        for usage in usages.values():
            del usage['server_usages']
    return list(usages.values())


class SimpleTenantUsageController:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def _period(self, req: wsgi.ApiRequest
                ) -> tuple[datetime.datetime, datetime.datetime,
                           datetime.datetime]:
        now = timeutils.utcnow().replace(tzinfo=None)
        start = parse_time(req.GET.get('start'), now)
        stop = parse_time(req.GET.get('end'), now)
        if not start < stop:
            raise errors.BadRequest(
                reason='Invalid start time. The start time cannot occur '
                       'after the end time.')
        return start, stop, now

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context,
                         rules.SIMPLE_TENANT_USAGE % 'list')
        start, stop, now = self._period(req)
        detailed = req.GET.get('detailed') == '1'
        rows = self.compute_api.get_active_by_window(
            req.context.elevated(), start, stop)
        return wsgi.Result({'tenant_usages': tenant_usages(
            rows, start, stop, now, detailed)})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context,
                         rules.SIMPLE_TENANT_USAGE % 'show',
                         target={'project_id': id})
        start, stop, now = self._period(req)
        rows = self.compute_api.get_active_by_window(
            req.context.elevated(), start, stop, project_id=id)
        usages = tenant_usages(rows, start, stop, now, detailed=True)
        return wsgi.Result({'tenant_usage': usages[0] if usages else {}})
