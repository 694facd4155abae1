"""Server actions that take arguments or answer with a body.

``reboot``, ``rebuild``, ``resize``, ``createImage``, ``rescue`` and
``os-getConsoleOutput``. Each handler receives a
:class:`nova.api.server_common.ActionCall` whose body the dispatcher in
:mod:`nova.api.server_actions` has already validated against the schema
registered in :data:`HANDLERS`, and whose server the caller may see.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from nova import exception
from nova.api import common
from nova.api import errors
from nova.api import resource_policies as rules
from nova.api import server_common
from nova.api import servers
from nova.api import wsgi
from nova.api.schemas import server_actions as schemas
from nova.api.views import servers as views

Handler = Callable[[server_common.ActionCall], wsgi.Result]


def reboot(call: server_common.ActionCall) -> wsgi.Result:
    """``{"reboot": {"type": "SOFT" | "HARD"}}``: 202."""
    call.authorize(rules.SERVERS % 'reboot')
    call.compute_api.reboot(call.context, call.instance,
                            call.args['type'].upper())
    return wsgi.Result(status=202)


def rebuild(call: server_common.ActionCall) -> wsgi.Result:
    """Reinstall the server from an image: 202 with the server.

    The body carries the new admin password, generated unless given.
    ``OS-DCF:diskConfig`` changes the server's disk config.
    ``personality`` (before 2.57) is checked against the injection
    quotas, as on create.  Nova 2.1's other arguments (accessIPs,
    preserve_ephemeral) are accepted and ignored.  Later versions set
    ``description`` (2.19), ``key_name`` (2.54), ``user_data`` (2.57)
    and ``hostname`` (2.90).
    """
    call.authorize(rules.SERVERS % 'rebuild')
    args = call.args
    if args.get('trusted_image_certificates'):
        raise errors.BadRequest(reason=servers.TRUSTED_CERTS_UNSUPPORTED)
    changes = _rebuild_changes(call, args)
    password = args.get('adminPass') or servers.generate_password()
    try:
        call.compute_api.rebuild(
            call.context, call.instance, args['imageRef'],
            admin_password=password, name=args.get('name'),
            metadata=args.get('metadata'),
            auto_disk_config=servers.disk_config_from_api(
                args.get('OS-DCF:diskConfig')),
            changes=changes,
            injected_files=servers.injected_files(args.get('personality')))
    except exception.ImageNotFound:
        raise errors.BadRequest(
            reason='Cannot find image for rebuild') from None
    instance = call.compute_api.get(call.context, call.instance.uuid)
    server = views.base(call.req, instance, full=servers.full_view(
        call.req, call.compute_api, call.enforcer, instance))
    if call.req.at_least('2.54'):
        # From 2.54 the rebuilt server shows its key pair's name...
        server['key_name'] = instance.key_name
    if call.req.at_least('2.57'):
        # ... from 2.57 its user data, by that name only (2.75 shows the
        # whole server, but not under the admin attribute's name).
        server.pop('OS-EXT-SRV-ATTR:user_data', None)
        server['user_data'] = (instance.user_data
                               if instance.obj_attr_is_set('user_data')
                               else None)
    server['adminPass'] = password
    return wsgi.Result({'server': server}, status=202,
                       headers={'Location': server['links'][0]['href']})


def _rebuild_changes(call: server_common.ActionCall,
                     args: dict[str, Any]) -> dict[str, Any]:
    """What a rebuild sets besides name and metadata (the schema of the
    request's version let only its own keys in)."""
    changes: dict[str, Any] = {}
    if 'description' in args:
        changes['display_description'] = args['description']
    if 'hostname' in args:
        changes['hostname'] = args['hostname']
    if 'user_data' in args:
        changes['user_data'] = args['user_data']
    if 'key_name' in args:
        key_name = args['key_name']
        key_data = None
        if key_name is not None:
            try:
                keypair = call.compute_api.keypair_get(
                    call.context, call.instance.user_id, key_name)
            except exception.NotFound:
                raise errors.BadRequest(
                    reason='Invalid key_name provided.') from None
            key_data = keypair.get('public_key')
        changes.update(key_name=key_name, key_data=key_data)
    return changes


def resize(call: server_common.ActionCall) -> wsgi.Result:
    """``{"resize": {"flavorRef": ..., "OS-DCF:diskConfig": ...}}``:
    202."""
    call.authorize(rules.SERVERS % 'resize')
    flavor_id = common.id_from_href(call.args['flavorRef'])
    try:
        call.compute_api.resize(
            call.context, call.instance, flavor_id,
            auto_disk_config=servers.disk_config_from_api(
                call.args.get('OS-DCF:diskConfig')))
    except exception.FlavorNotFound as exc:
        # The flavor is an argument, not the resource: a bad request.
        raise errors.BadRequest(reason=exc.format_message()) from exc
    return wsgi.Result(status=202)


def create_image(call: server_common.ActionCall) -> wsgi.Result:
    """Snapshot the server: 202 with the image's URL in ``Location``.

    Microversion 2.1 has no body; 2.45 later moved the ID into one.
    """
    call.authorize(rules.SERVERS % 'create_image')
    image = call.compute_api.snapshot(
        call.context, call.instance, call.args['name'],
        extra_properties=call.args.get('metadata') or {})
    if call.req.at_least('2.45'):
        return wsgi.Result({'image_id': image['id']}, status=202)
    location = f"{call.req.prefix_url()}/images/{image['id']}"
    return wsgi.Result(status=202, headers={'Location': location})


def change_password(call: server_common.ActionCall) -> wsgi.Result:
    """Set the guest's administrator password: 202, no body."""
    call.authorize(rules.ADMIN_PASSWORD)
    call.compute_api.set_admin_password(call.context, call.instance,
                                        call.args['adminPass'])
    return wsgi.Result(status=202)


def create_backup(call: server_common.ActionCall) -> wsgi.Result:
    """Back the server up: as ``createImage``, and the oldest backups of
    its ``backup_type`` beyond ``rotation`` are deleted; with a rotation
    of 0 none is kept and none is taken (no ``Location`` then)."""
    call.authorize(rules.CREATE_BACKUP)
    args = call.args
    image = call.compute_api.backup(
        call.context, call.instance, args['name'], args['backup_type'],
        int(args['rotation']), extra_properties=args.get('metadata') or {})
    if image is None:
        return wsgi.Result(status=202)
    if call.req.at_least('2.45'):
        return wsgi.Result({'image_id': image['id']}, status=202)
    location = f"{call.req.prefix_url()}/images/{image['id']}"
    return wsgi.Result(status=202, headers={'Location': location})


def rescue(call: server_common.ActionCall) -> wsgi.Result:
    """Boot the server from a rescue image: 200 ``{"adminPass": ...}``."""
    call.authorize(rules.RESCUE)
    args = call.args or {}
    password = args.get('adminPass') or servers.generate_password()
    used = call.compute_api.rescue(
        call.context, call.instance, rescue_password=password,
        rescue_image_ref=args.get('rescue_image_ref'))
    return wsgi.Result({'adminPass': used or password})


def _tail_length(value: int | str | None) -> int | None:
    """The number of lines asked for; None for all of them."""
    if value is None:
        return None
    length = int(value)
    if length < -1:
        raise errors.BadRequest(
            reason=f'Invalid input for field/attribute length. Value: '
                   f'{value}. {length} is less than the minimum of -1')
    return None if length == -1 else length


def console_output(call: server_common.ActionCall) -> wsgi.Result:
    """The end of the server's console log: 200 ``{"output": ...}``."""
    call.authorize(rules.CONSOLE_OUTPUT)
    length = _tail_length(call.args.get('length'))
    output = call.compute_api.get_console_output(
        call.context, call.instance, tail_length=length)
    return wsgi.Result(
        {'output': server_common.strip_control_chars(output or '')})


# action -> (schema of the whole body, or a function of the request's
# version giving it; handler; name in 409 messages)
HANDLERS: Mapping[str, tuple[Any, Handler, str]] = {
    'reboot': (schemas.reboot, reboot, 'reboot'),
    'rebuild': (schemas.rebuild_for, rebuild, 'rebuild'),
    'resize': (schemas.resize, resize, 'resize'),
    'createImage': (schemas.create_image, create_image, 'createImage'),
    'createBackup': (schemas.create_backup, create_backup, 'createBackup'),
    'changePassword': (schemas.change_password, change_password,
                       'changePassword'),
    'rescue': (schemas.rescue, rescue, 'rescue'),
    'os-getConsoleOutput': (schemas.console_output, console_output,
                            'get console output'),
}
