"""Server actions whose shape depends on the microversion.

* ``lock`` (2.73: an optional ``locked_reason``);
* ``unshelve`` (2.77: an optional ``availability_zone``; 2.91: the zone
  may be null, and an administrator may name a ``host``);
* ``trigger_crash_dump`` (from 2.17);
* ``os-migrateLive`` (2.25, 2.30, 2.68 change its body);
* ``migrate`` (2.56: an optional ``host``).

Crash dumps and live migration are not available in this deployment: the
body is checked as Nova checks it at the request's version, the server
found and its state checked, and the request then answers 400 as Nova
does for a driver or deployment that cannot do it.  Nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from nova import exception
from nova.api import admin_actions
from nova.api import admin_policies
from nova.api import api_version
from nova.api import availability_zones
from nova.api import errors
from nova.api import resource_policies as rules
from nova.api import server_action_args
from nova.api import server_common
from nova.api import wsgi
from nova.api.schemas import server_actions as schemas
from nova.compute import vm_states

Schema = dict[str, Any] | None
SchemaFor = Callable[[api_version.APIVersion], Schema]


def _no_such_action(name: str) -> errors.BadRequest:
    return errors.BadRequest(reason=f'There is no such action: {name}')


def lock(call: server_common.ActionCall) -> wsgi.Result:
    """``{"lock": null}``, or from 2.73 ``{"lock": {"locked_reason":
    ...}}``: 202."""
    call.authorize(rules.LOCK % 'lock')
    reason = None
    if call.req.at_least('2.73') and isinstance(call.args, dict):
        reason = call.args.get('locked_reason')
    call.compute_api.lock(call.context, call.instance, reason=reason)
    return wsgi.Result(status=202)


def _lock_schema(version: api_version.APIVersion) -> Schema:
    # Before 2.73 Nova ignores the value of "lock".
    return schemas.lock_for_2_73 if version >= (2, 73) else None


def unshelve(call: server_common.ActionCall) -> wsgi.Result:
    """``{"unshelve": null}``; from 2.77 ``{"unshelve":
    {"availability_zone": ...}}`` for a SHELVED_OFFLOADED server; from
    2.91 the zone may be null (unpinned: it comes back in its own cell
    all the same) and an administrator may name a ``host`` of the
    server's cell."""
    call.authorize(rules.SHELVE % 'unshelve')
    args = (call.args or {}) if call.req.at_least('2.77') else {}
    host = args.get('host')
    if host is not None:
        call.authorize(rules.SHELVE % 'unshelve_to_host')
    if 'availability_zone' in args or host is not None:
        _check_offloaded(call)
    zone = args.get('availability_zone')
    if zone is not None:
        _check_unshelve_zone(call, zone)
    instance = call.instance
    if host is not None:
        host = _unshelve_host(call, host, zone)
    if 'availability_zone' in args:
        # What the request names is the server's pin from now on (2.96
        # shows it).
        instance = call.compute_api.pin_availability_zone(
            call.context, instance, zone)
    if host is not None:
        call.compute_api.unshelve(call.context, instance, host=host)
    else:
        call.compute_api.unshelve(call.context, instance)
    return wsgi.Result(status=202)


def _check_offloaded(call: server_common.ActionCall) -> None:
    instance = call.instance
    if instance.vm_state != vm_states.SHELVED_OFFLOADED:
        raise errors.ConflictingRequest(
            reason='The availability_zone and host parameters can only be '
                   'used to unshelve a server in SHELVED_OFFLOADED state: '
                   f'{instance.uuid} is {instance.vm_state}.')


def _compute_services(call: server_common.ActionCall
                      ) -> list[dict[str, Any]]:
    return call.compute_api.host_api.service_get_all(
        call.context.elevated(), binary='nova-compute')


def _unshelve_host(call: server_common.ActionCall, host: str,
                   zone: str | None) -> str:
    """The host (as its cell names it) a 2.91 unshelve names: one of the
    server's own cell (``host1`` or ``api!cell1@host1``), in ``zone``
    when one is named too; else 400."""
    cell = call.instance.cell_name
    for service in _compute_services(call):
        qualified = service['host']
        path, _sep, bare = qualified.rpartition('@')
        if host not in (qualified, bare) or (path and path != cell):
            continue
        if zone is not None and service.get('availability_zone') != zone:
            raise errors.BadRequest(
                reason=f'Host {host} is not in the availability zone '
                       f'{zone}.')
        return bare
    raise errors.BadRequest(
        reason=exception.ComputeHostNotFound(host=host).format_message())


def _check_unshelve_zone(call: server_common.ActionCall, zone: str) -> None:
    instance = call.instance
    services = _compute_services(call)
    available, _unavailable = availability_zones.zones(services)
    if zone not in available:
        raise errors.BadRequest(
            reason=f'The requested availability zone is not available: '
                   f'{zone}')
    if zone != instance.availability_zone:
        # An offloaded server comes back in its own cell, whose hosts
        # are all in one zone.
        raise errors.BadRequest(
            reason='Unshelving into another availability zone is not '
                   'supported by this deployment.')


def _unshelve_schema(version: api_version.APIVersion) -> Schema:
    if version >= (2, 91):
        return schemas.unshelve_for_2_91
    return schemas.unshelve_for_2_77 if version >= (2, 77) else None


def trigger_crash_dump(call: server_common.ActionCall) -> wsgi.Result:
    """``{"trigger_crash_dump": null}`` (2.17): 409 unless ACTIVE,
    PAUSED, RESCUED, RESIZED or ERROR, else 400: the fake driver cannot
    dump."""
    if not call.req.at_least('2.17'):
        raise _no_such_action('trigger_crash_dump')
    call.authorize(rules.SERVERS % 'trigger_crash_dump')
    allowed = (vm_states.ACTIVE, vm_states.PAUSED, vm_states.RESCUED,
               vm_states.RESIZED, vm_states.ERROR)
    if call.instance.vm_state not in allowed:
        raise exception.InstanceInvalidState(
            attr='vm_state', state=call.instance.vm_state,
            method='trigger_crash_dump', instance_uuid=call.instance.uuid)
    raise errors.BadRequest(
        reason='Triggering crash dump is not supported by this '
               'deployment.')


def _crash_dump_schema(version: api_version.APIVersion) -> Schema:
    return {'type': 'object',
            'properties': {'trigger_crash_dump': {'type': 'null'}},
            'required': ['trigger_crash_dump'],
            'additionalProperties': False}


def migrate(call: server_common.ActionCall) -> wsgi.Result:
    """``{"migrate": null}`` (administrators); from 2.56 ``{"migrate":
    {"host": ...}}``: 202.  ``host`` is a host of the server's cell, or
    names another cell (``api!cell2``) or a host of one
    (``api!cell2@host3``) to move the server between cells; an unknown
    host, the server's own or a cell it cannot go to is a 400."""
    call.authorize(admin_policies.MIGRATE_SERVER % 'migrate')
    host = None
    if call.req.at_least('2.56') and isinstance(call.args, dict):
        host = call.args.get('host')
    try:
        call.compute_api.migrate(call.context, call.instance, host=host)
    except exception.ComputeHostNotFound as exc:
        raise errors.BadRequest(reason=exc.format_message()) from exc
    return wsgi.Result(status=202)


def _migrate_schema(version: api_version.APIVersion) -> Schema:
    return (schemas.migrate_for_2_56 if version >= (2, 56)
            else schemas.migrate)


# action -> (schema by version, handler, name in 409 messages)
HANDLERS: Mapping[str, tuple[SchemaFor, server_action_args.Handler, str]] = {
    'lock': (_lock_schema, lock, 'lock'),
    'unshelve': (_unshelve_schema, unshelve, 'unshelve'),
    'trigger_crash_dump': (_crash_dump_schema, trigger_crash_dump,
                           'trigger_crash_dump'),
    # Answered by the handler of 2.1, whatever the version's body.
    'os-migrateLive': (schemas.live_migrate_for, admin_actions.migrate_live,
                       'os-migrateLive'),
    'migrate': (_migrate_schema, migrate, 'migrate'),
}
