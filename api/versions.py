"""The version documents clients use to discover the API.

* ``GET /``: every major version (200); any other unversioned path answers
  ``300 Multiple Choices`` pointing at each version.
* ``GET /v2.1`` (and ``/v2.1/``): the v2.1 document, with the microversion
  range from :mod:`nova.api.api_version`. It needs no token, so clients can
  discover before they authenticate. ``/v2`` shows the legacy v2.0 document.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
from typing import Any

import webob
import webob.dec

from nova.api import api_version
from nova.api import errors
from nova.api import faults
from nova.api import wsgi

_DOCS_LINK = {'rel': 'describedby', 'type': 'text/html',
              'href': 'https://docs.openstack.org/'}


_MEDIA_TYPE = 'application/vnd.openstack.compute+json'


def _media_types(version: str) -> list[dict[str, str]]:
    return [{'base': 'application/json',
             'type': f'{_MEDIA_TYPE};version={version}'}]


def versions() -> dict[str, dict[str, Any]]:
    """The major versions, keyed by ID; path segment = ID."""
    return {
        'v2.0': {
            'id': 'v2.0', 'status': 'SUPPORTED',
            'version': '', 'min_version': '',
            'updated': '2011-01-21T11:33:21Z',
            'links': [dict(_DOCS_LINK)],
            'media-types': _media_types('2'),
            'path': 'v2',
        },
        'v2.1': {
            'id': 'v2.1', 'status': 'CURRENT',
            'version': str(api_version.MAX_VERSION),
            'min_version': str(api_version.MIN_VERSION),
            'updated': '2013-07-23T11:33:21Z',
            'links': [dict(_DOCS_LINK)],
            'media-types': _media_types('2.1'),
            'path': 'v2.1',
        },
    }


def _public(version: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in version.items() if k != 'path'}


def _url(host_url: str, version_path: str, path: str) -> str:
    return '/'.join((host_url.rstrip('/'), version_path, path.strip('/')))


def versions_list(host_url: str) -> dict[str, Any]:
    """The body of ``GET /``."""
    result = []
    for _key, version in sorted(versions().items()):
        result.append({
            'id': version['id'], 'status': version['status'],
            'version': version['version'],
            'min_version': version['min_version'],
            'updated': version['updated'],
            'links': [{'rel': 'self',
                       'href': _url(host_url, version['path'], '')}],
        })
    return {'versions': result}


def choices(host_url: str, path: str) -> dict[str, Any]:
    """The body of ``300 Multiple Choices`` for an unversioned path."""
    result = []
    for _key, version in sorted(versions().items()):
        result.append({
            'id': version['id'], 'status': version['status'],
            'links': [{'rel': 'self',
                       'href': _url(host_url, version['path'], path)}],
            'media-types': version['media-types'],
        })
    return {'choices': result}


def version_doc(version_id: str, base_url: str) -> dict[str, Any]:
    """The body of ``GET /v2.1``: one version with a link to itself."""
    doc = copy.deepcopy(_public(versions()[version_id]))
    doc['links'].insert(0, {'rel': 'self',
                            'href': base_url.rstrip('/') + '/'})
    return {'version': doc}


def _json(body: Any, status: int = 200) -> webob.Response:
    return wsgi.Result(body, status=status).to_response()


class RootVersions:
    """The app at ``/``."""

    @webob.dec.wsgify(RequestClass=webob.Request)
    def __call__(self, req: webob.Request) -> webob.Response:
        if req.method not in ('GET', 'HEAD'):
            raise errors.MethodNotAllowed(method=req.method,
                                          allowed=['GET'])
        if req.path_info in ('', '/'):
            return _json(versions_list(req.host_url))
        return _json(choices(req.host_url, req.path_info), status=300)


class VersionDocument:
    """The app at ``/v2.1`` and ``/v2``: one version document."""

    @webob.dec.wsgify(RequestClass=webob.Request)
    def __call__(self, req: webob.Request) -> webob.Response:
        if req.script_name.rstrip('/').endswith('/v2'):
            # The legacy endpoint knows nothing of microversions.
            return _json(version_doc('v2.0', req.application_url))
        try:
            version = api_version.negotiate(req.headers)
        except (errors.InvalidAPIVersionString,
                errors.UnsupportedAPIVersion) as exc:
            return faults.fault_response(exc.code, exc.format_message())
        req.environ[api_version.ENVIRON_KEY] = version
        if req.method not in ('GET', 'HEAD'):
            raise errors.MethodNotAllowed(method=req.method,
                                          allowed=['GET'])
        response = _json(version_doc('v2.1', req.application_url))
        for name, value in api_version.response_headers(version):
            response.headers.add(name, value)
        return response


def root_app_factory(global_conf: Mapping[str, Any],
                     **local_conf: str) -> RootVersions:
    return RootVersions()


def version_app_factory(global_conf: Mapping[str, Any],
                        **local_conf: str) -> VersionDocument:
    return VersionDocument()
