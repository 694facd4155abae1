"""Glance as the API cell's image service, over plain HTTP.

:class:`GlanceClient` sends requests to Glance's v2 API: at the first of
``[glance] api_servers`` that answers, or else at the image endpoint of
the keystone catalog.  With ``[glance] auth_url`` set it logs in as
Nova's service user (:class:`ServiceLogin`, a token kept until shortly
before it expires); without it each request carries the caller's token.
:class:`GlanceImages` is the :class:`nova.image_service.ImageService`
over it: Glance's images in the registry's shape, visibility checked
for non-administrators, snapshots created ``queued`` and made ``active``
by uploading their data, properties changed with a JSON patch.

Errors are translated here, once: an image Glance does not have is
:class:`~nova.exception.ImageNotFound`, a Glance (or keystone) that does
not answer or refuses Nova's credentials is
:class:`~nova.exception.ImageServiceUnavailable`, logged in one line.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import datetime
import json
import threading
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from nova import exception
from nova.context import RequestContext

LOG = logging.getLogger(__name__)

Image = dict[str, Any]
# The transport seam: (method, url, headers, body, timeout) ->
# (status, body).  Tests give a fake one.
Transport = Callable[[str, str, dict[str, str], bytes | None, float],
                     tuple[int, bytes]]

# Glance's own attributes of an image; every other key is a property.
_CORE = frozenset((
    'id', 'name', 'status', 'visibility', 'protected', 'checksum',
    'os_hash_algo', 'os_hash_value', 'owner', 'size', 'virtual_size',
    'min_ram', 'min_disk', 'container_format', 'disk_format', 'created_at',
    'updated_at', 'tags', 'file', 'schema', 'self', 'direct_url',
    'locations', 'os_hidden', 'stores'))
_PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
_RESERVED_PREFIX = 'os_glance'
# What a fake hypervisor's snapshot holds: the image is made active by
# uploading something, and its size is what Glance counts.
SNAPSHOT_DATA = b'nova-cells fake snapshot\n'
# A token is renewed this many seconds before it expires.
_TOKEN_MARGIN = 60.0


class GlanceError(exception.Invalid):
    """Glance refused a request (a 4xx other than the one expected)."""

    msg_fmt = 'The image service refused the request: %(reason)s'

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(reason=f'HTTP {status} '
                         f'{body[:200].decode(errors="replace")}')
        self.status = status


def urllib_transport(method: str, url: str, headers: dict[str, str],
                     body: bytes | None, timeout: float) -> tuple[int, bytes]:
    """One HTTP request with the standard library; (status, body)."""
    request = urllib.request.Request(url, data=body, headers=headers,
                                     method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclasses.dataclass
class ServiceLogin:
    """Nova's service user in keystone: a token and the catalog."""

    auth_url: str
    username: str
    password: str
    project_name: str
    user_domain_name: str = 'Default'
    project_domain_name: str = 'Default'

    def request_body(self) -> bytes:
        return json.dumps({'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': self.username, 'password': self.password,
                'domain': {'name': self.user_domain_name}}}},
            'scope': {'project': {
                'name': self.project_name,
                'domain': {'name': self.project_domain_name}}}}}).encode()


class GlanceClient:
    """Requests to Glance's v2 API (see the module docstring)."""

    def __init__(self, api_servers: list[str],
                 login: ServiceLogin | None = None,
                 interface: str = 'public', region_name: str | None = None,
                 timeout: float = 30.0,
                 transport: Transport = urllib_transport,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not api_servers and login is None:
            raise ValueError('Glance needs api_servers or a keystone login')
        self.api_servers = [url.rstrip('/') for url in api_servers]
        self.login = login
        self.interface = interface
        self.region_name = region_name
        self.timeout = timeout
        self.transport = transport
        self.clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires = 0.0
        self._catalog_url: str | None = None

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> GlanceClient:
        group = conf.glance
        login = None
        if group.auth_url:
            login = ServiceLogin(
                group.auth_url.rstrip('/'), group.username or '',
                group.password or '', group.project_name,
                group.user_domain_name, group.project_domain_name)
        return cls(list(group.api_servers), login, group.interface,
                   group.region_name, group.timeout)

    # -- keystone ---------------------------------------------------------

    def _service_token(self) -> str:
        """A token of the service user, renewed when near its end."""
        assert self.login is not None
        with self._lock:
            if self._token and self.clock() < self._token_expires:
                return self._token
            url = self.login.auth_url
            if not url.endswith('/v3'):
                url += '/v3'
            try:
                status, body, token = self._keystone_login(url)
            except OSError as exc:
                raise self._unavailable(f'keystone at {url} does not '
                                        f'answer ({exc})') from exc
            if status in (401, 403):
                raise self._unavailable(
                    f'keystone refuses the credentials of user '
                    f'{self.login.username} ([glance] username/password)')
            if status != 201 or not token:
                raise self._unavailable(f'keystone login failed: HTTP '
                                        f'{status}')
            answer = json.loads(body)['token']
            expires = timeutils.normalize_time(
                timeutils.parse_isotime(answer['expires_at']))
            lifetime = (expires - timeutils.utcnow()).total_seconds()
            self._token = token
            self._token_expires = self.clock() + max(
                lifetime - _TOKEN_MARGIN, 1.0)
            self._catalog_url = self._image_endpoint(answer.get('catalog',
                                                                []))
            return token

    def _keystone_login(self, url: str) -> tuple[int, bytes, str | None]:
        assert self.login is not None
        request = urllib.request.Request(
            f'{url}/auth/tokens', data=self.login.request_body(),
            headers={'Content-Type': 'application/json'}, method='POST')
        try:
            with urllib.request.urlopen(request,
                                        timeout=self.timeout) as response:
                return (response.status, response.read(),
                        response.headers.get('X-Subject-Token'))
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), None

    def _image_endpoint(self, catalog: list[dict[str, Any]]) -> str | None:
        for service in catalog:
            if service.get('type') != 'image':
                continue
            for endpoint in service.get('endpoints', []):
                if endpoint.get('interface') != self.interface:
                    continue
                if self.region_name and endpoint.get('region_id') not in (
                        self.region_name, None):
                    continue
                return str(endpoint['url']).rstrip('/')
        return None

    def _unavailable(self, reason: str) -> exception.ImageServiceUnavailable:
        LOG.error('Image service unavailable: %s', reason)
        return exception.ImageServiceUnavailable(reason=reason)

    # -- requests ---------------------------------------------------------

    def _endpoints(self) -> list[str]:
        if self.api_servers:
            return self.api_servers
        self._service_token()
        if not self._catalog_url:
            raise self._unavailable(
                'the keystone catalog lists no image service with a '
                f'{self.interface} endpoint')
        return [self._catalog_url]

    def request(self, ctxt: RequestContext, method: str, path: str,
                body: bytes | None = None,
                content_type: str = 'application/json',
                expect: tuple[int, ...] = (200,)) -> Any:
        """Send ``method path`` to Glance; the decoded JSON answer (None
        when empty).  404 raises :class:`GlanceError`, the caller knowing
        what was not found."""
        headers = {'Accept': 'application/json'}
        token = (self._service_token() if self.login is not None
                 else ctxt.auth_token)
        if token:
            headers['X-Auth-Token'] = token
        if body is not None:
            headers['Content-Type'] = content_type
        failures = []
        for endpoint in self._endpoints():
            try:
                status, answer = self.transport(
                    method, endpoint + path, headers, body, self.timeout)
            except OSError as exc:
                failures.append(f'{endpoint}: {exc}')
                continue
            if status in expect:
                return json.loads(answer) if answer.strip() else None
            if status == 401 and self.login is not None:
                with self._lock:   # revoked early: log in again next time
                    self._token = None
            if status >= 500 or status == 401:
                raise self._unavailable(f'{method} {path}: HTTP {status}')
            raise GlanceError(status, answer)
        raise self._unavailable('no Glance endpoint answers: '
                                + '; '.join(failures))


def _from_glance(image: dict[str, Any]) -> Image:
    """A Glance v2 image in the registry's shape."""
    return {
        'id': image['id'], 'name': image.get('name'),
        'status': image.get('status'),
        'is_public': image.get('visibility') in ('public', 'community'),
        'visibility': image.get('visibility'),
        'owner': image.get('owner'), 'size': image.get('size'),
        'min_ram': int(image.get('min_ram') or 0),
        'min_disk': int(image.get('min_disk') or 0),
        'container_format': image.get('container_format'),
        'disk_format': image.get('disk_format'),
        'created_at': _time(image.get('created_at')),
        'updated_at': _time(image.get('updated_at')),
        'properties': {k: v if v is None else str(v)
                       for k, v in image.items() if k not in _CORE},
    }


def _time(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    return timeutils.normalize_time(timeutils.parse_isotime(value))


class GlanceImages:
    """:class:`nova.image_service.ImageService` over a
    :class:`GlanceClient`."""

    in_database = False

    def __init__(self, client: GlanceClient) -> None:
        self.client = client

    @staticmethod
    def _visible(ctxt: RequestContext, image: Image) -> bool:
        # The service user sees every image: hide what the caller's own
        # token would not show.
        return bool(ctxt.is_admin or image.get('visibility') != 'private'
                    or image.get('owner') == ctxt.project_id)

    def get(self, ctxt: RequestContext, image_id: str) -> Image:
        quoted = urllib.parse.quote(image_id, safe='')
        try:
            image = _from_glance(self.client.request(
                ctxt, 'GET', f'/v2/images/{quoted}'))
        except GlanceError as exc:
            if exc.status in (400, 404):   # 400: not a uuid
                raise exception.ImageNotFound(image_id=image_id) from None
            raise
        if not self._visible(ctxt, image):
            raise exception.ImageNotFound(image_id=image_id)
        return image

    def get_all(self, ctxt: RequestContext) -> list[Image]:
        images: list[Image] = []
        path: str | None = '/v2/images?limit=1000'
        while path:
            page = self.client.request(ctxt, 'GET', path)
            images += [_from_glance(i) for i in page.get('images', [])]
            path = page.get('next')
        return [i for i in images if self._visible(ctxt, i)]

    def create(self, ctxt: RequestContext, values: Image) -> Image:
        body: dict[str, Any] = {
            'id': values['id'], 'name': values.get('name'),
            'visibility': 'public' if values.get('is_public') else 'private',
            'container_format': values.get('container_format') or 'bare',
            'disk_format': values.get('disk_format') or 'qcow2',
            'min_ram': int(values.get('min_ram') or 0),
            'min_disk': int(values.get('min_disk') or 0)}
        if self.client.login is not None and values.get('owner'):
            # The service user creates it on behalf of the project.
            body['owner'] = values['owner']
        body.update({k: str(v) for k, v in
                     (values.get('properties') or {}).items()
                     if v is not None and k not in _CORE})
        return _from_glance(self.client.request(
            ctxt, 'POST', '/v2/images', json.dumps(body).encode(),
            expect=(201,)))

    def update(self, ctxt: RequestContext, image_id: str,
               values: Image) -> None:
        """Glance moves an image's status itself: ``active`` is the
        upload of its data; a status earlier than Glance's is ignored."""
        if values.get('status') != 'active':
            return
        try:
            current = self.get(ctxt.elevated(), image_id)
        except exception.ImageNotFound:
            LOG.warning('Image %s went away before its upload', image_id)
            return
        if current['status'] != 'queued':
            return
        self.client.request(
            ctxt, 'PUT', f'/v2/images/{image_id}/file', SNAPSHOT_DATA,
            content_type='application/octet-stream', expect=(204,))

    def delete(self, ctxt: RequestContext, image_id: str) -> None:
        try:
            self.client.request(ctxt, 'DELETE', f'/v2/images/{image_id}',
                                expect=(204,))
        except GlanceError as exc:
            if exc.status == 404:
                raise exception.ImageNotFound(image_id=image_id) from None
            raise

    def set_properties(self, ctxt: RequestContext, image_id: str,
                       properties: dict[str, str]) -> Image:
        """One PATCH (Glance's v2.1 JSON patch) that removes the custom
        properties not in ``properties`` and sets the others."""
        current = self.get(ctxt, image_id)['properties']
        # Glance's own os_glance_* properties are read-only: kept.
        patch: list[dict[str, Any]] = [
            {'op': 'remove', 'path': '/' + _pointer(key)}
            for key in sorted(current) if key not in properties
            and not key.startswith(_RESERVED_PREFIX)]
        for key, value in properties.items():
            if current.get(key) != value:
                patch.append({'op': 'replace' if key in current else 'add',
                              'path': '/' + _pointer(key),
                              'value': value})
        if not patch:
            return self.get(ctxt, image_id)
        quoted = urllib.parse.quote(image_id, safe='')
        try:
            answer = self.client.request(
                ctxt, 'PATCH', f'/v2/images/{quoted}',
                json.dumps(patch).encode(), content_type=_PATCH_TYPE)
        except GlanceError as exc:
            if exc.status == 404:
                raise exception.ImageNotFound(image_id=image_id) from None
            if exc.status == 403:
                raise exception.Forbidden(
                    f'Not authorized for image {image_id}.') from None
            raise
        return _from_glance(answer)


def _pointer(key: str) -> str:
    """``key`` as one JSON pointer segment (RFC 6901)."""
    return key.replace('~', '~0').replace('/', '~1')
