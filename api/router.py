"""The v2.1 compute API app: routes, microversion and dispatch.

:data:`ROUTES` is the whole URL surface. For each request the router
negotiates the microversion, matches the route (404 for an unknown path,
405 for a known path with another method), decodes a JSON body, calls the
controller action and serializes its :class:`nova.api.wsgi.Result`. Errors
propagate to the ``faultwrap`` filter, which renders them.
"""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

import routes
import webob
import webob.dec

from nova.api import admin_routes
from nova.api import api_version
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import flavor_manage
from nova.api import flavors
from nova.api import image_metadata
from nova.api import images
from nova.api import instance_actions
from nova.api import keypairs
from nova.api import parity_routes
from nova.api import server_actions
from nova.api import server_groups
from nova.api import server_metadata
from nova.api import server_migrations
from nova.api import server_tags
from nova.api import servers
from nova.api import versions
from nova.api import wsgi

# (path, method, controller, action); more specific paths first.
ROUTES: tuple[tuple[str, str, str, str], ...] = (
    ('/', 'GET', 'versions', 'show'),
    ('/servers', 'GET', 'servers', 'index'),
    ('/servers', 'POST', 'servers', 'create'),
    ('/servers/detail', 'GET', 'servers', 'detail'),
    ('/servers/{id}', 'GET', 'servers', 'show'),
    ('/servers/{id}', 'DELETE', 'servers', 'delete'),
    ('/flavors', 'GET', 'flavors', 'index'),
    ('/flavors/detail', 'GET', 'flavors', 'detail'),
    ('/flavors/{id}', 'GET', 'flavors', 'show'),
    # Server actions, metadata and instance actions.
    ('/servers/{id}', 'PUT', 'server_actions', 'update'),
    ('/servers/{id}/action', 'POST', 'server_actions', 'action'),
    ('/servers/{server_id}/metadata', 'GET', 'server_metadata', 'index'),
    ('/servers/{server_id}/metadata', 'POST', 'server_metadata', 'create'),
    ('/servers/{server_id}/metadata', 'PUT', 'server_metadata',
     'update_all'),
    ('/servers/{server_id}/metadata/{id}', 'GET', 'server_metadata',
     'show'),
    ('/servers/{server_id}/metadata/{id}', 'PUT', 'server_metadata',
     'update'),
    ('/servers/{server_id}/metadata/{id}', 'DELETE', 'server_metadata',
     'delete'),
    ('/servers/{server_id}/os-instance-actions', 'GET', 'instance_actions',
     'index'),
    ('/servers/{server_id}/os-instance-actions/{id}', 'GET',
     'instance_actions', 'show'),
    # Microversioned routes: api_version._HISTORY says from which version.
    ('/servers/{server_id}/tags', 'GET', 'server_tags', 'index'),
    ('/servers/{server_id}/tags', 'PUT', 'server_tags', 'update_all'),
    ('/servers/{server_id}/tags', 'DELETE', 'server_tags', 'delete_all'),
    ('/servers/{server_id}/tags/{id}', 'GET', 'server_tags', 'show'),
    ('/servers/{server_id}/tags/{id}', 'PUT', 'server_tags', 'update'),
    ('/servers/{server_id}/tags/{id}', 'DELETE', 'server_tags', 'delete'),
    ('/servers/{server_id}/topology', 'GET', 'server_topology', 'index'),
    ('/servers/{server_id}/migrations', 'GET', 'server_migrations',
     'index'),
    ('/servers/{server_id}/migrations/{id}', 'GET', 'server_migrations',
     'show'),
    ('/servers/{server_id}/migrations/{id}', 'DELETE', 'server_migrations',
     'delete'),
    ('/servers/{server_id}/migrations/{id}/action', 'POST',
     'server_migrations', 'action'),
    ('/flavors/{id}', 'PUT', 'flavor_manage', 'update'),
    # Flavor administration.
    ('/flavors', 'POST', 'flavor_manage', 'create'),
    ('/flavors/{id}', 'DELETE', 'flavor_manage', 'delete'),
    ('/flavors/{flavor_id}/os-extra_specs', 'GET', 'extra_specs', 'index'),
    ('/flavors/{flavor_id}/os-extra_specs', 'POST', 'extra_specs',
     'create'),
    ('/flavors/{flavor_id}/os-extra_specs/{id}', 'GET', 'extra_specs',
     'show'),
    ('/flavors/{flavor_id}/os-extra_specs/{id}', 'PUT', 'extra_specs',
     'update'),
    ('/flavors/{flavor_id}/os-extra_specs/{id}', 'DELETE', 'extra_specs',
     'delete'),
    # Key pairs and the image proxy.
    ('/os-keypairs', 'GET', 'keypairs', 'index'),
    ('/os-keypairs', 'POST', 'keypairs', 'create'),
    ('/os-keypairs/{id}', 'GET', 'keypairs', 'show'),
    ('/os-keypairs/{id}', 'DELETE', 'keypairs', 'delete'),
    ('/images', 'GET', 'images', 'index'),
    ('/images/detail', 'GET', 'images', 'detail'),
    ('/images/{id}', 'GET', 'images', 'show'),
    ('/images/{id}', 'DELETE', 'images', 'delete'),
    ('/images/{image_id}/metadata', 'GET', 'image_metadata', 'index'),
    ('/images/{image_id}/metadata', 'POST', 'image_metadata', 'create'),
    ('/images/{image_id}/metadata', 'PUT', 'image_metadata', 'update_all'),
    ('/images/{image_id}/metadata/{id}', 'GET', 'image_metadata', 'show'),
    ('/images/{image_id}/metadata/{id}', 'PUT', 'image_metadata',
     'update'),
    ('/images/{image_id}/metadata/{id}', 'DELETE', 'image_metadata',
     'delete'),
    ('/os-server-groups', 'GET', 'server_groups', 'index'),
    ('/os-server-groups', 'POST', 'server_groups', 'create'),
    ('/os-server-groups/{id}', 'GET', 'server_groups', 'show'),
    ('/os-server-groups/{id}', 'DELETE', 'server_groups', 'delete'),
) + admin_routes.ROUTES + parity_routes.ROUTES

_BODY_METHODS = ('POST', 'PUT')
_METHODS = ('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH')


class VersionsController:
    """``GET /v2.1/`` when the pipeline, not the urlmap, gets it."""

    def show(self, req: wsgi.ApiRequest) -> wsgi.Result:
        return wsgi.Result(versions.version_doc('v2.1',
                                                req.application_url))


def build_mapper() -> routes.Mapper:
    mapper = routes.Mapper()
    for path, method, controller, action in ROUTES:
        mapper.connect(None, path, controller=controller, action=action,
                       conditions={'method': [method]},
                       requirements={'id': '[^/]+'})
    return mapper


class APIRouter:
    """Dispatches requests to the controllers."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.controllers: dict[str, Any] = {
            'servers': servers.ServersController(deps),
            'flavors': flavors.FlavorsController(deps),
            'versions': VersionsController(),
            'server_actions': server_actions.ServerActionsController(deps),
            'server_metadata': server_metadata.ServerMetadataController(
                deps),
            'instance_actions': instance_actions.InstanceActionsController(
                deps),
            'flavor_manage': flavor_manage.FlavorManageController(deps),
            'extra_specs': flavor_manage.FlavorExtraSpecsController(deps),
            'keypairs': keypairs.KeypairsController(deps),
            'images': images.ImagesController(deps),
            'image_metadata': image_metadata.ImageMetadataController(deps),
            'server_tags': server_tags.ServerTagsController(deps),
            'server_topology': server_tags.ServerTopologyController(deps),
            'server_groups': server_groups.ServerGroupsController(deps),
            'server_migrations':
                server_migrations.ServerMigrationsController(deps),
        }
        self.controllers.update(admin_routes.controllers(deps))
        self.controllers.update(parity_routes.controllers(deps))
        self.mapper = build_mapper()

    def _match(self, req: webob.Request) -> dict[str, Any]:
        path = req.path_info
        if path.endswith('/') and path != '/':
            # Nova's routes end without a slash: '/images/' names an image
            # whose ID is empty, and there is none.
            raise errors.ResourceNotFound()
        match = self.mapper.match(path, {'REQUEST_METHOD': req.method})
        if match is not None:
            return match
        allowed = [m for m in _METHODS if m != req.method and
                   self.mapper.match(path, {'REQUEST_METHOD': m})]
        if allowed:
            raise errors.MethodNotAllowed(method=req.method,
                                          allowed=allowed)
        raise errors.ResourceNotFound()

    @webob.dec.wsgify(RequestClass=wsgi.ApiRequest)
    def __call__(self, req: wsgi.ApiRequest) -> webob.Response:
        version = api_version.negotiate(req.headers)
        req.environ[api_version.ENVIRON_KEY] = version
        _strip_project_id(req)
        match = self._match(req)
        if not api_version.route_allowed(match['controller'],
                                         match['action'], version):
            raise errors.ResourceNotFound()
        kwargs = {k: v for k, v in match.items()
                  if k not in ('controller', 'action')}
        wsgi.request_content_type(req)
        if req.method in _BODY_METHODS:
            kwargs['body'] = wsgi.read_json_body(req)
        controller = self.controllers[match['controller']]
        result = getattr(controller, match['action'])(req, **kwargs)
        response = result.to_response()
        for name, value in api_version.response_headers(version):
            response.headers.add(name, value)
        return response


def _strip_project_id(req: wsgi.ApiRequest) -> None:
    """Serve ``/v2.1/{project_id}/servers`` as ``/v2.1/servers``: the
    project ID in URLs, optional since 2.18, is the caller's own or a
    400 as in Nova."""
    first, _sep, rest = req.path_info.lstrip('/').partition('/')
    if not first or first in _TOP_SEGMENTS:
        return
    project_id = req.context.project_id
    if first == project_id:
        req.script_name += '/' + first
        req.path_info = '/' + rest
    elif _PROJECT_ID.match(first):
        raise errors.BadRequest(
            reason=f"Malformed request URL: URL's project_id '{first}' "
                   f"doesn't match Context's project_id '{project_id}'")


# The first segments of the routes: anything else may be a project ID.
_TOP_SEGMENTS = frozenset(path.lstrip('/').split('/')[0]
                          for path, _m, _c, _a in ROUTES)
_PROJECT_ID = re.compile(r'^[0-9a-f]{32}$|^[0-9a-f-]{36}$')


def app_factory(global_conf: Mapping[str, Any],
                **local_conf: str) -> APIRouter:
    """paste ``app_factory`` of the compute API."""
    return APIRouter(api_deps.from_global_conf(global_conf))
