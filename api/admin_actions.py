"""Operator server actions of ``POST /servers/{id}/action``.

``os-resetState`` and ``injectNetworkInfo`` (administrators),
``addSecurityGroup``/``removeSecurityGroup`` (the owner) and
``os-migrateLive`` (administrators), as Nova 2.1 answers them; the
dispatcher in :mod:`nova.api.server_actions` validates the body against
the schema registered in :data:`HANDLERS` and finds the server first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nova import exception
from nova.api import admin_policies as rules
from nova.api import common
from nova.api import errors
from nova.api import server_action_args
from nova.api import server_common
from nova.api import wsgi
from nova.api.schemas import admin_actions as schemas
from nova.compute import vm_states


def reset_state(call: server_common.ActionCall) -> wsgi.Result:
    """``{"os-resetState": {"state": "active" | "error"}}``: 202; the
    server's vm state becomes the one given, with no task."""
    call.authorize(rules.ADMIN_ACTIONS % 'reset_state')
    state = {'active': vm_states.ACTIVE,
             'error': vm_states.ERROR}[call.args['state']]
    call.compute_api.reset_state(call.context, call.instance, state)
    return wsgi.Result(status=202)


def inject_network_info(call: server_common.ActionCall) -> wsgi.Result:
    """``{"injectNetworkInfo": null}``: 202; the host pushes the
    server's network configuration into the guest again."""
    call.authorize(rules.ADMIN_ACTIONS % 'inject_network_info')
    call.compute_api.inject_network_info(call.context, call.instance)
    return wsgi.Result(status=202)


def _group_action(call: server_common.ActionCall, method: str
                  ) -> wsgi.Result:
    try:
        getattr(call.compute_api, method)(call.context, call.instance,
                                          call.args['name'])
    except exception.SecurityGroupNotFoundForProject as exc:
        raise errors.ItemNotFound(reason=exc.format_message()) from exc
    return wsgi.Result(status=202)


def add_security_group(call: server_common.ActionCall) -> wsgi.Result:
    """``{"addSecurityGroup": {"name": ...}}``: 202; 404 for a group the
    project does not have, 400 for one the server is in already."""
    call.authorize(rules.SECURITY_GROUPS % 'add')
    return _group_action(call, 'add_security_group')


def remove_security_group(call: server_common.ActionCall) -> wsgi.Result:
    """``{"removeSecurityGroup": {"name": ...}}``: 202; 404 for a group
    the project does not have."""
    call.authorize(rules.SECURITY_GROUPS % 'remove')
    return _group_action(call, 'remove_security_group')


def migrate_live(call: server_common.ActionCall) -> wsgi.Result:
    """``{"os-migrateLive": {"host": ..., "block_migration": ...,
    "disk_over_commit": ...}}``: 409 in a state Nova refuses, else the
    400 of a failed pre-check (no hypervisor here can live-migrate)."""
    call.authorize(rules.MIGRATE_SERVER % 'migrate_live')
    args = call.args
    # From 2.25 block_migration may be "auto" (None here: the scheduler
    # would decide) and disk_over_commit is gone.
    block = args['block_migration']
    call.compute_api.live_migrate(
        call.context, call.instance, args['host'],
        None if block == 'auto' else common.parse_bool(block,
                                                       'block_migration'),
        common.parse_bool(args.get('disk_over_commit', False),
                          'disk_over_commit'))
    return wsgi.Result(status=202)


# action -> (schema of the whole body, handler, name in 409 messages)
HANDLERS: Mapping[str, tuple[dict[str, Any] | None,
                             server_action_args.Handler, str]] = {
    'os-resetState': (schemas.reset_state, reset_state, 'os-resetState'),
    'injectNetworkInfo': (None, inject_network_info, 'injectNetworkInfo'),
    'addSecurityGroup': (schemas.add_security_group, add_security_group,
                         'addSecurityGroup'),
    'removeSecurityGroup': (schemas.remove_security_group,
                            remove_security_group, 'removeSecurityGroup'),
}
