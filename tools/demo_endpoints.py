"""What the demo serves besides the compute API, so that the ``openstack``
command line works against it as is, in ``noauth2`` mode.

For the demo only (``etc/nova/embedded/api-paste.ini`` mounts it); a real
deployment has keystone and Glance instead:

``/identity``
    the version discovery of an identity v3 service, and nothing else:
    ``openstack server list`` asks for it before it lists servers, even
    when it authenticates with ``auth_type: none``.
``/image``
    an image service v2 listing (``GET /image/v2/images`` and
    ``/image/v2/images/{id}``) over the API cell's image registry, the
    same images ``/v2.1/images`` proxies, so that ``openstack image
    list`` shows what servers boot from.
``/network``
    a networking v2 listing of the one network every cell allocates
    from (``[network] network_label``, ``private``): ``openstack server
    create --network private`` looks the name up there.  (The CLI takes
    ``--network none`` for a network named "none"; ``--nic none`` needs
    microversion 2.37, beyond this API's 2.1.)
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
import json
import os
import sys
from typing import Any
import urllib.parse

from paste import deploy

from nova import context as nova_context
from nova.api import deps as api_deps

StartResponse = Callable[..., Any]


def _json(start_response: StartResponse, status: str, body: Any
          ) -> Iterable[bytes]:
    data = json.dumps(body, default=str).encode()
    start_response(status, [('Content-Type', 'application/json'),
                            ('Content-Length', str(len(data)))])
    return [data]


def _base(environ: dict[str, Any]) -> str:
    scheme = environ.get('wsgi.url_scheme', 'http')
    host = environ.get('HTTP_HOST') or '%s:%s' % (environ['SERVER_NAME'],
                                                  environ['SERVER_PORT'])
    return '%s://%s' % (scheme, host)


def _identity_version(base: str) -> dict[str, Any]:
    return {'id': 'v3.14', 'status': 'stable',
            'updated': '2020-04-07T00:00:00Z',
            'links': [{'rel': 'self', 'href': base + '/identity/v3/'}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/'
                             'vnd.openstack.identity-v3+json'}]}


def _context(environ: dict[str, Any]) -> nova_context.RequestContext:
    # noauth2's reading of the token: "user:project" (auth_type none
    # sends "notused", which acts as that user and project).
    token = environ.get('HTTP_X_AUTH_TOKEN') or 'notused'
    user, _, project = token.partition(':')
    return nova_context.RequestContext(user, project or user,
                                       is_admin=user == 'admin')


def _glance_image(base: str, image: dict[str, Any]) -> dict[str, Any]:
    properties = image.get('properties') or {}
    return {
        'id': image['id'], 'name': image.get('name'),
        'status': image.get('status') or 'active',
        'visibility': 'public' if image.get('is_public') else 'private',
        'owner': image.get('owner'), 'size': image.get('size'),
        'min_ram': image.get('min_ram') or 0,
        'min_disk': image.get('min_disk') or 0,
        'disk_format': properties.get('disk_format') or 'qcow2',
        'container_format': properties.get('container_format') or 'bare',
        'created_at': image.get('created_at'),
        'updated_at': image.get('updated_at'),
        'protected': False, 'tags': [],
        'self': '/v2/images/%s' % image['id'],
        'file': '/v2/images/%s/file' % image['id'],
        'schema': '/v2/schemas/image',
    }


# The id the demo gives its network (nova-network has ids of its own in
# each cell; the API ignores the uuid a client sends).
NETWORK_ID = '5f0c6e0e-8d1b-4b86-9b36-0d3f2b7c9a01'


class DemoEndpoints:
    """The WSGI app behind ``/identity``, ``/image`` and ``/network``."""

    def __init__(self, compute_api: Any, network_label: str) -> None:
        self.compute_api = compute_api
        self.network = {
            'id': NETWORK_ID, 'name': network_label, 'status': 'ACTIVE',
            'admin_state_up': True, 'shared': True, 'subnets': [],
            'router:external': False, 'tenant_id': '', 'project_id': ''}

    def __call__(self, environ: dict[str, Any],
                 start_response: StartResponse) -> Iterable[bytes]:
        path = (environ.get('SCRIPT_NAME', '')
                + environ.get('PATH_INFO', '')).rstrip('/')
        base = _base(environ)
        if environ.get('REQUEST_METHOD') not in ('GET', 'HEAD'):
            return _json(start_response, '405 Method Not Allowed',
                         {'error': 'the demo serves reads only'})
        if path == '/identity':
            return _json(start_response, '300 Multiple Choices',
                         {'versions': {'values': [_identity_version(base)]}})
        if path == '/identity/v3':
            return _json(start_response, '200 OK',
                         {'version': _identity_version(base)})
        if path == '/image':
            return _json(start_response, '300 Multiple Choices', {
                'versions': [{'id': 'v2.16', 'status': 'CURRENT', 'links': [
                    {'rel': 'self', 'href': base + '/image/v2/'}]}]})
        if path.startswith('/image/v2/images'):
            return self._images(environ, start_response, base,
                                path[len('/image/v2/images'):].strip('/'))
        if path == '/network':
            return _json(start_response, '200 OK', {
                'versions': [{'id': 'v2.0', 'status': 'CURRENT', 'links': [
                    {'rel': 'self', 'href': base + '/network/v2.0/'}]}]})
        if path.startswith('/network/v2.0/networks'):
            return self._networks(environ, start_response,
                                  path[len('/network/v2.0/networks'):]
                                  .strip('/'))
        return _json(start_response, '404 Not Found',
                     {'error': 'not served by the demo: %s' % path})

    def _networks(self, environ: dict[str, Any],
                  start_response: StartResponse,
                  network_id: str) -> Iterable[bytes]:
        if network_id:
            if network_id == NETWORK_ID:
                return _json(start_response, '200 OK',
                             {'network': self.network})
            return _json(start_response, '404 Not Found', {'NeutronError': {
                'type': 'NetworkNotFound', 'detail': '',
                'message': 'Network %s could not be found.' % network_id}})
        query = urllib.parse.parse_qs(environ.get('QUERY_STRING', ''))
        wanted = query.get('name') or query.get('id')
        found = [self.network] if not wanted or (
            self.network['name'] in wanted or NETWORK_ID in wanted) else []
        return _json(start_response, '200 OK', {'networks': found})

    def _images(self, environ: dict[str, Any],
                start_response: StartResponse, base: str,
                image_id: str) -> Iterable[bytes]:
        ctxt = _context(environ)
        images = [_glance_image(base, image) for image in
                  self.compute_api.image_get_all(ctxt)
                  if ctxt.is_admin or image.get('is_public')
                  or image.get('owner') == ctxt.project_id]
        if not image_id:
            return _json(start_response, '200 OK', {
                'images': images, 'first': '/v2/images',
                'schema': '/v2/schemas/images'})
        for image in images:
            if image['id'] == image_id:
                return _json(start_response, '200 OK', image)
        return _json(start_response, '404 Not Found',
                     {'error': 'no image %s' % image_id})


class _Dispatch:
    """``/identity``, ``/image`` and ``/network`` to the demo's
    endpoints, the rest to the compute API."""

    def __init__(self, compute: Any, demo: DemoEndpoints) -> None:
        self.compute = compute
        self.demo = demo

    def __call__(self, environ: dict[str, Any],
                 start_response: StartResponse) -> Iterable[bytes]:
        first = environ.get('PATH_INFO', '').lstrip('/').split('/')[0]
        app = (self.demo if first in ('identity', 'image', 'network')
               else self.compute)
        return app(environ, start_response)


def composite_factory(loader: Any, global_conf: dict[str, Any],
                      **local_conf: Any) -> _Dispatch:
    """paste.deploy factory: the compute API of the paste file
    ``compute_paste`` (relative to this one), with the demo's endpoints
    beside it."""
    here = os.path.dirname(os.path.abspath(global_conf['__file__']))
    path = os.path.join(here, local_conf['compute_paste'])
    # The other file's own "here" and "__file__", not this one's.
    inherited = {k: v for k, v in global_conf.items()
                 if k not in ('here', '__file__')}
    compute = deploy.loadapp('config:' + os.path.abspath(path),
                             name='osapi_compute', global_conf=inherited)
    deps = api_deps.from_global_conf(global_conf)
    return _Dispatch(compute, DemoEndpoints(
        deps.compute_api, deps.conf.network.network_label))


CLOUD_NAME = 'demo'


def clouds_yaml(api_root: str, cloud: str = CLOUD_NAME) -> str:
    """A ``clouds.yaml`` for the ``openstack`` command line against the
    demo at ``api_root`` (``http://127.0.0.1:8774``): no authentication
    (``noauth2`` takes the token ``notused`` as that user and project),
    every endpoint given."""
    return (
        '# The nova-cells demo (noauth2): openstack --os-cloud %(cloud)s '
        '...\n'
        'clouds:\n'
        '  %(cloud)s:\n'
        '    auth_type: none\n'
        '    compute_endpoint_override: %(root)s/v2.1\n'
        '    identity_endpoint_override: %(root)s/identity/v3\n'
        '    image_endpoint_override: %(root)s/image\n'
        '    network_endpoint_override: %(root)s/network\n'
        % {'cloud': cloud, 'root': api_root.rstrip('/')})


def write_clouds_yaml(path: str, api_root: str) -> str:
    """Write :func:`clouds_yaml` to ``path``; returns its absolute path."""
    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(clouds_yaml(api_root))
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m nova.tools.demo_endpoints PATH PORT``: write the
    demo's clouds.yaml (tools/demo does)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or not args[1].isdigit():
        print('usage: demo_endpoints CLOUDS_YAML_PATH PORT', file=sys.stderr)
        return 2
    written = write_clouds_yaml(args[0], 'http://127.0.0.1:%s' % args[1])
    print(written)
    return 0


if __name__ == '__main__':
    sys.exit(main())
