"""The ``/servers`` controller: list, show, create and delete servers.

Every call goes through the ``compute_api`` facade handed to
:func:`nova.api.wsgi_app.load_app`; nothing here touches the database or
the services directly. Servers of other projects are invisible to
non-admins: they answer 404, not 403, so their existence does not leak.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from collections.abc import Iterator
import contextlib
import re
import secrets
import string
from typing import Any

import orjson
from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import server_common
from nova.api import server_states
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import servers as schemas
from nova.api.views import cache as view_cache
from nova.api.views import servers as views

LOG = logging.getLogger(__name__)

# A listing's query: context, search options, limit, marker.
_Query = tuple[nova_context.RequestContext, dict[str, Any], int | None,
               str | None]

# Filters anyone may use; admins may use the rest of the query schema's.
_USER_FILTERS = ('reservation_id', 'name', 'status', 'image', 'flavor', 'ip',
                 'changes-since', 'all_tenants')
_ADMIN_FILTERS = _USER_FILTERS + ('host', 'node', 'deleted', 'tenant_id',
                                  'project_id')
# Administrators' filters at every version, everyone's from 2.83.
_V283_FILTERS = ('availability_zone', 'config_drive', 'key_name',
                 'created_at', 'launched_at', 'terminated_at', 'power_state',
                 'task_state', 'vm_state', 'progress', 'user_id')
_MULTI_VALUED = ('status',)
# Filters later microversions added: (first version, name, admin only).
_VERSIONED_FILTERS = (
    ('2.5', 'ip6', False),
    ('2.26', 'tags', False), ('2.26', 'tags-any', False),
    ('2.26', 'not-tags', False), ('2.26', 'not-tags-any', False),
    ('2.66', 'changes-before', False),
    ('2.73', 'locked', False),
)
_TAG_FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')

# Valid in Nova 2.1 requests but meaningless here once checked: the
# network service gives every server one fixed address in the default
# group, without a config drive.
_ACCEPTED_NOT_HONOURED = frozenset((
    'networks', 'security_groups', 'config_drive'))

_PASSWORD_CHARS = ''.join(c for c in string.ascii_letters + string.digits
                          if c not in 'lIO0o1')
PASSWORD_LENGTH = 12


@contextlib.contextmanager
def _marker_errors(marker: str | None) -> Iterator[None]:
    """A listing's unknown marker is the client's error: 400."""
    try:
        yield
    except exception.InstanceNotFound:
        if marker is None:
            raise
        raise errors.BadRequest(
            reason=f'marker [{marker}] not found') from None


def injected_files(personality: list[dict[str, str]] | None
                   ) -> list[tuple[str, bytes]]:
    """``personality`` (its contents base64, as the schema checked) as
    (path, decoded contents) pairs."""
    return [(item.get('path', ''), base64.b64decode(item.get('contents', '')))
            for item in personality or []]


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    """A random admin password without look-alike characters."""
    return ''.join(secrets.choice(_PASSWORD_CHARS) for _ in range(length))


class ServersController:
    """Actions on ``/servers``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer
        self.max_limit = deps.conf.api.max_limit
        # Positive: a delete is soft (see ``restore``, ``forceDelete``).
        self.reclaim_instance_interval = deps.conf.reclaim_instance_interval
        self.rendered = view_cache.RenderedViews(
            deps.conf.api.rendered_server_cache_size)
        # The entries of ``GET /servers``, kept the same way.
        self.rendered_basic = view_cache.RenderedViews(
            deps.conf.api.rendered_server_cache_size)

    # -- listing -----------------------------------------------------------

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context, policy.SERVERS % 'index')
        query = self._query(req, 'index')
        render = views.Renderer(req)
        if query is None or not self.rendered_basic.size:
            servers = self._rows(query, views.BASIC_COLUMNS, ())
            return self._collection(
                req, 'servers', [render.basic(server) for server in servers],
                [server['uuid'] for server in servers])
        uuids, body = self._rendered(query, self.rendered_basic, render.key,
                                     render.basic, views.BASIC_COLUMNS, ())
        return self._collection(req, 'servers', body, uuids)

    def detail(self, req: wsgi.ApiRequest) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context,
                         policy.SERVERS % 'detail')
        query = self._query(req, 'detail')
        # Asked once per request, as Nova's extension did: the rule is
        # about the caller, and a listing holds one project's servers
        # (or, with all_tenants, an admin's view).
        show_host_attrs = self._show_host_attrs(req, req.context.project_id)
        host_status = self._host_status(req)
        render = views.Renderer(req, show_host_attrs,
                                self._show_extra_specs(req), host_status)
        if query is None:
            return self._collection(req, 'servers/detail', [], [])
        # A host's status changes without the server's revision moving:
        # views that show it are not kept.
        if not self.rendered.size or host_status is not None:
            servers = self._rows(query, views.DETAIL_COLUMNS,
                                 render.side_tables)
            return self._collection(
                req, 'servers/detail',
                [render.detail(server) for server in servers],
                [server['uuid'] for server in servers])
        uuids, body = self._rendered(query, self.rendered, render.key,
                                     render.detail, views.DETAIL_COLUMNS,
                                     render.side_tables)
        return self._collection(req, 'servers/detail', body, uuids)

    def _rendered(self, query: _Query, held: view_cache.RenderedViews,
                  key: Any, view_of: Callable[[dict[str, Any]], Any],
                  columns: tuple[str, ...], side_tables: tuple[str, ...]
                  ) -> tuple[list[str], list[orjson.Fragment]]:
        """The views of a page (``view_of`` each server's ``columns``
        and ``side_tables``), rendered again only for the servers whose
        revision moved since they were last rendered; ``held`` keeps
        them under ``key``."""
        context, search_opts, limit, marker = query
        if 'revision' not in columns:
            columns += ('revision',)
        with _marker_errors(marker):
            page = self.compute_api.get_revisions(
                context, search_opts, limit=limit, marker=marker)
        views_held = held.get_many(key, page)
        missing = [uuid for (uuid, _rev), view in zip(page, views_held,
                                                      strict=True)
                   if view is None]
        rows: list[dict[str, Any]] = []
        if missing and len(missing) * 2 <= len(page):
            rows = self._rows(
                (context, dict(search_opts, uuid=missing), None, None),
                columns, side_tables)
        if len(missing) * 2 > len(page) or len(rows) != len(missing):
            # Mostly new, or one of them went (or stopped matching) since
            # the page was read: the page read whole, as without the
            # cache, so that it stays one consistent page.
            rows = self._rows(query, columns, side_tables)
            page = [(row['uuid'], row['revision']) for row in rows]
            views_held = [None] * len(page)
        fresh = {row['uuid']: (row['revision'], orjson.dumps(view_of(row)))
                 for row in rows}
        held.put_many(key, [
            (uuid, revision, view)
            for uuid, (revision, view) in fresh.items()])
        body = [orjson.Fragment(view if view is not None
                                else fresh[uuid][1])
                for (uuid, _rev), view in zip(page, views_held, strict=True)]
        return [uuid for uuid, _rev in page], body

    def _collection(self, req: wsgi.ApiRequest, collection: str,
                    body: list[Any], uuids: list[str]) -> wsgi.Result:
        result: dict[str, Any] = {'servers': body}
        next_links = common.collection_links(req, collection, uuids,
                                             self.max_limit)
        if next_links:
            result['servers_links'] = next_links
        return wsgi.Result(result)

    def _query(self, req: wsgi.ApiRequest, action: str) -> _Query | None:
        """What a listing asks the compute API for: the context, search
        options, limit and marker; None when no server can match."""
        validation.validate_query(schemas.index_query_for(req.api_version),
                                  req.GET.dict_of_lists())
        context = req.context
        search_opts = self._search_opts(req)
        if search_opts is None:
            return None
        if common.parse_bool(search_opts.pop('all_tenants', False),
                             'all_tenants'):
            policy.authorize(self.enforcer, context,
                             policy.SERVERS % (action + ':get_all_tenants'))
            if 'tenant_id' in search_opts:
                search_opts['project_id'] = search_opts.pop('tenant_id')
            context = context.elevated()
        else:
            # Without all_tenants a project filter would let one project
            # list another's servers.
            search_opts.pop('tenant_id', None)
            search_opts['project_id'] = context.project_id
        limit, marker = common.limit_and_marker(req, self.max_limit)
        return context, search_opts, limit, marker

    def _rows(self, query: _Query | None, columns: tuple[str, ...],
              side_tables: tuple[str, ...]) -> list[dict[str, Any]]:
        if query is None:
            return []
        context, search_opts, limit, marker = query
        with _marker_errors(marker):
            return self.compute_api.get_all_rows(
                context, search_opts, limit=limit, marker=marker,
                columns=columns, expected_attrs=side_tables)

    def _search_opts(self, req: wsgi.ApiRequest) -> dict[str, Any] | None:
        """Filters for ``compute_api.get_all``; None when none can match."""
        allowed: tuple[str, ...]
        if req.context.is_admin:
            allowed = _ADMIN_FILTERS + _V283_FILTERS
        elif req.at_least('2.83'):
            allowed = _USER_FILTERS + _V283_FILTERS
        else:
            allowed = _USER_FILTERS
        allowed += tuple(
            name for since, name, admin_only in _VERSIONED_FILTERS
            if req.at_least(since)
            and (req.context.is_admin or not admin_only))
        opts: dict[str, Any] = {}
        for key in allowed:
            if key in req.GET:
                opts[key] = (req.GET.getall(key) if key in _MULTI_VALUED
                             else req.GET.getall(key)[-1])
        if 'status' in opts:
            vm_states, task_states = server_states.states_from_status(
                opts.pop('status'))
            if not vm_states:
                if req.at_least('2.38'):
                    raise errors.BadRequest(
                        reason='Invalid status value')
                # Nova 2.1 answers an unknown status with an empty list.
                return None
            opts['vm_state'] = vm_states
            if server_states.DEFAULT not in task_states:
                opts['task_state'] = task_states
        if 'config_drive' in opts and not re.search(
                opts.pop('config_drive'), ''):
            # No server has a config drive here (it shows ''), so only a
            # pattern matching the empty text lets any through.
            return None
        for key in ('changes-since', 'changes-before'):
            if key in opts:
                try:
                    opts[key] = timeutils.parse_isotime(opts[key])
                except ValueError:
                    raise errors.BadRequest(
                        reason=f'Invalid filter field: {key}.') from None
        if ('changes-since' in opts and 'changes-before' in opts
                and opts['changes-since'] > opts['changes-before']):
            raise errors.BadRequest(
                reason='The value of changes-since must be less than or '
                       'equal to changes-before.')
        if 'ip6' in opts:
            opts.setdefault('ip', opts.pop('ip6'))
        for key in _TAG_FILTERS:
            if key in opts:
                opts[key] = [t for t in opts[key].split(',') if t]
        if 'locked' in opts:
            opts['locked'] = common.parse_bool(opts['locked'], 'locked')
        if 'deleted' in opts:
            opts['deleted'] = common.parse_bool(opts['deleted'], 'deleted')
        elif 'changes-since' not in opts and 'changes-before' not in opts:
            # changes-since must report recently deleted servers too.
            opts['deleted'] = False
        for key in ('image', 'flavor'):
            if key in opts:
                opts[key] = common.id_from_href(opts[key])
        return opts

    # -- single server -----------------------------------------------------

    def _get_instance(self, context: nova_context.RequestContext,
                      server_id: str) -> objects.Instance:
        instance = self.compute_api.get(context, server_id)
        if (not context.is_admin
                and instance.project_id != context.project_id):
            raise exception.InstanceNotFound(instance_id=server_id)
        return instance

    def _show_host_attrs(self, req: wsgi.ApiRequest,
                         project_id: str | None) -> bool:
        return policy.authorize(
            self.enforcer, req.context, policy.EXTENDED_SERVER_ATTRIBUTES,
            target={'project_id': project_id}, fatal=False)

    def _show_extra_specs(self, req: wsgi.ApiRequest) -> bool:
        return show_extra_specs(self.enforcer, req)

    def _host_status(self, req: wsgi.ApiRequest) -> Any:
        return host_status(self.compute_api, self.enforcer, req)

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        context = req.context
        instance = self._get_instance(context, id)
        policy.authorize(self.enforcer, context, policy.SERVERS % 'show',
                         target={'project_id': instance.project_id})
        return wsgi.Result({'server': full_view(
            req, self.compute_api, self.enforcer, instance)})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        context = req.context
        instance = self._get_instance(context, id)
        policy.authorize(self.enforcer, context, policy.SERVERS % 'delete',
                         target={'project_id': instance.project_id,
                                 'user_id': instance.user_id})
        if self.reclaim_instance_interval > 0:
            try:
                self.compute_api.soft_delete(context, instance)
            except exception.InstanceInvalidState:
                # Nothing to keep (it never ran, or is soft-deleted
                # already): deleted for good, as Nova does.
                self.compute_api.delete(context, instance)
        else:
            self.compute_api.delete(context, instance)
        return wsgi.Result(status=204)

    # -- create ------------------------------------------------------------

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        validation.validate_body(schemas.create_for(req.api_version), body)
        context = req.context
        policy.authorize(self.enforcer, context, policy.SERVERS % 'create')
        server = body['server']
        _check_versioned_create(self.enforcer, context, server)
        flavor = self._flavor(context, server['flavorRef'])
        image_href = _image_href(_boot_image_ref(server))
        min_count, max_count = _counts(server)
        if 'hostname' in server and max_count > 1:
            # 2.90: one hostname cannot name several servers.
            raise errors.BadRequest(
                reason='Unable to allocate a single hostname to multiple '
                       'instances')
        hints = (body.get('os:scheduler_hints')
                 or body.get('OS-SCH-HNT:scheduler_hints') or {})
        admin_pass = server.get('adminPass') or generate_password()
        _check_networks(server.get('networks'))
        security_groups = _security_group_names(
            server.get('security_groups'))
        zone, forced_host = _zone_and_host(server.get('availability_zone'))
        if forced_host:
            policy.authorize(self.enforcer, context,
                             policy.SERVERS % 'create:forced_host',
                             target={'project_id': context.project_id})
        ignored = sorted(set(server) & _ACCEPTED_NOT_HONOURED)
        if ignored:
            LOG.debug('Create request: %s accepted but not used',
                      ', '.join(ignored))
        try:
            instances, reservation_id = self.compute_api.create(
                context, flavor, image_href, server['name'],
                min_count=min_count, max_count=max_count,
                key_name=server.get('key_name'),
                metadata=server.get('metadata') or {},
                user_data=server.get('user_data'),
                availability_zone=zone, forced_host=forced_host,
                scheduler_hints=hints,
                access_ip_v4=server.get('accessIPv4'),
                access_ip_v6=common.compressed_ipv6(
                    server.get('accessIPv6')),
                auto_disk_config=disk_config_from_api(
                    server.get('OS-DCF:diskConfig')),
                security_groups=security_groups,
                description=server.get('description'),
                tags=server.get('tags'), hostname=server.get('hostname'),
                injected_files=injected_files(server.get('personality')))
        except exception.FlavorNotFound:
            raise errors.BadRequest(
                reason='Invalid flavorRef provided.') from None
        except exception.ImageNotFound:
            raise errors.BadRequest(
                reason='Can not find requested image') from None
        except exception.NotFound as exc:
            if server_common.raised(exc, 'KeypairNotFound'):
                raise errors.BadRequest(
                    reason='Invalid key_name provided.') from exc
            # Something the request named is missing: the request is wrong,
            # the collection is there.
            raise errors.BadRequest(reason=exc.format_message()) from exc
        if common.parse_bool(server.get('return_reservation_id', False),
                             'return_reservation_id'):
            return wsgi.Result({'reservation_id': reservation_id},
                               status=202)
        result = views.created(req, instances[0],
                               server.get('security_groups'), admin_pass)
        location = result['server']['links'][0]['href']
        return wsgi.Result(result, status=202,
                           headers={'Location': location})

    def _flavor(self, context: nova_context.RequestContext,
                flavor_ref: str | int) -> objects.Flavor:
        flavor_id = common.id_from_href(flavor_ref)
        try:
            flavor = self.compute_api.flavor_get(context, flavor_id)
        except exception.FlavorNotFound:
            flavor = None
        if flavor is None or flavor.disabled:
            raise errors.BadRequest(reason='Invalid flavorRef provided.')
        return flavor


def _zone_and_host(value: str | None) -> tuple[str | None, str | None]:
    """``ZONE`` or an administrator's ``ZONE:HOST`` (the host as
    ``cell_path@host`` or a plain name); a node cannot be named here."""
    if not value or ':' not in value:
        return value, None
    zone, _, host = value.partition(':')
    if ':' in host:
        raise errors.BadRequest(
            reason='Unable to parse availability_zone: a node cannot be '
                   'named here, only ZONE:HOST')
    return zone or None, host or None


def show_extra_specs(enforcer: Any, req: wsgi.ApiRequest) -> bool:
    """Whether an embedded flavor (2.47) shows its extra specs."""
    return req.at_least('2.47') and policy.authorize(
        enforcer, req.context, policy.FLAVOR_EXTRA_SPECS_INDEX,
        target={'project_id': req.context.project_id}, fatal=False)


def host_status(compute_api: Any, enforcer: Any,
                req: wsgi.ApiRequest) -> server_common.HostStatus | None:
    """host_status of servers (2.16) for callers the policy lets see it;
    None otherwise."""
    if not req.at_least('2.16') or not policy.authorize(
            enforcer, req.context, policy.SERVERS_HOST_STATUS,
            target={'project_id': req.context.project_id}, fatal=False):
        return None
    return server_common.HostStatus(compute_api, req.context)


def full_view(req: wsgi.ApiRequest, compute_api: Any, enforcer: Any,
              instance: objects.Instance) -> dict[str, Any]:
    """A server as ``GET /servers/{id}`` shows it at the request's
    version (update and rebuild answer it too from 2.75)."""
    show_host_attrs = policy.authorize(
        enforcer, req.context, policy.EXTENDED_SERVER_ATTRIBUTES,
        target={'project_id': instance.project_id}, fatal=False)
    render = views.Renderer(req, show_host_attrs,
                            show_extra_specs(enforcer, req),
                            host_status(compute_api, enforcer, req))
    values = views.values_of(instance)
    values['security_groups'] = compute_api.security_group_names(
        req.context, instance.uuid)
    server = render.detail(values)
    if req.at_least('2.71'):
        server['server_groups'] = compute_api.server_groups_of(
            req.context, instance.uuid)
    return server


def _check_versioned_create(enforcer: Any,
                            context: nova_context.RequestContext,
                            server: dict[str, Any]) -> None:
    """Refuse what later microversions let a create name but this
    deployment cannot honour (the schema let only valid shapes in)."""
    if server.get('trusted_image_certificates'):
        raise errors.BadRequest(reason=TRUSTED_CERTS_UNSUPPORTED)
    if 'host' in server or 'hypervisor_hostname' in server:
        policy.authorize(enforcer, context,
                         policy.SERVERS % 'create:requested_destination')
        raise errors.BadRequest(
            reason='Requesting a destination host is not supported by '
                   'this deployment: a cell chooses its hosts.')


# 2.63: signatures are not verified here, so no certificate is kept.
TRUSTED_CERTS_UNSUPPORTED = (
    'Image signature certificate validation is not supported by this '
    'deployment: trusted_image_certificates must be null or absent.')


def disk_config_from_api(value: str | None) -> bool | None:
    """``auto_disk_config`` of an ``OS-DCF:diskConfig`` the schema
    checked; None when not given."""
    return None if value is None else value == 'AUTO'


def _check_networks(networks: Any) -> None:
    """400 for the ``networks`` Nova 2.1 refuses with nova-network: an
    entry without a network uuid, a malformed one, one named twice."""
    if not isinstance(networks, list):
        # 'auto', 'none' or absent: nothing to check.
        return
    seen: set[str] = set()
    for network in networks:
        if network.get('port') is not None:
            continue
        if 'uuid' not in network:
            raise errors.BadRequest(
                reason="Bad network format: missing 'uuid'")
        net_id = network['uuid']
        # Nova still takes a "br-" style prefix before the uuid.
        if not (uuidutils.is_uuid_like(net_id)
                or uuidutils.is_uuid_like(net_id.split('-', 1)[-1])):
            raise errors.BadRequest(
                reason='Bad networks format: network uuid is not in '
                       f'proper format ({net_id})')
        if net_id in seen:
            raise errors.BadRequest(
                reason=f'Duplicate networks ({net_id}) are not allowed')
        seen.add(net_id)


def _security_group_names(groups: list[dict[str, str]] | None
                          ) -> list[str]:
    """The distinct group names of ``security_groups``, in order."""
    names: list[str] = []
    for group in groups or ():
        name = group.get('name')
        if name is not None and name not in names:
            names.append(name)
    return names


def _boot_image_ref(server: dict[str, Any]) -> str | None:
    """``imageRef``, or the image of the one block device the clients
    send for an image boot (``source_type`` image, ``destination_type``
    local, boot index 0); any other mapping needs a volume service this
    deployment does not have."""
    image_ref = server.get('imageRef')
    for bdm in server.get('block_device_mapping_v2') or []:
        local_image = (bdm.get('source_type') == 'image'
                       and bdm.get('destination_type', 'local') == 'local'
                       and str(bdm.get('boot_index')) == '0')
        if not local_image:
            raise errors.BadRequest(
                reason='Block device mappings other than the image boot '
                'disk need a volume service, which this cloud lacks.')
        uuid = bdm.get('uuid')
        if image_ref and uuid and common.id_from_href(image_ref) != uuid:
            raise errors.BadRequest(
                reason='The boot block device and imageRef name '
                'different images.')
        image_ref = image_ref or uuid
    return image_ref


def _image_href(image_ref: str | None) -> str:
    """The image UUID of ``imageRef`` (a UUID or a link to one)."""
    if image_ref is None:
        raise errors.BadRequest(reason='Missing imageRef attribute')
    image_id = common.id_from_href(image_ref)
    if not validation.FORMAT_CHECKER.conforms(image_id, 'uuid') or \
            not image_id:
        raise errors.BadRequest(reason='Invalid imageRef provided.')
    return image_id


def _counts(server: dict[str, Any]) -> tuple[int, int]:
    min_count = int(server.get('min_count', 1))
    max_count = int(server.get('max_count', min_count))
    if min_count > max_count:
        raise errors.BadRequest(reason='min_count must be <= max_count')
    return min_count, max_count
