"""Request and response plumbing shared by the middlewares and controllers.

* :class:`Middleware`: base of every paste filter, with the ``factory``
  paste calls.
* :class:`ApiRequest`: a webob request that knows its context and
  microversion.
* :class:`Result`: what a controller action returns; :meth:`to_response`
  turns it into JSON.
* :func:`read_json_body`: the body of a request, checked for content type
  and syntax.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
import dataclasses
import json
from typing import Any

import orjson
import webob
import webob.dec

from nova import context as nova_context
from nova.api import api_version
from nova.api import deps as api_deps
from nova.api import errors

CONTEXT_KEY = 'nova.context'
JSON_TYPES = ('application/json', 'application/vnd.openstack.compute+json')

WSGIApp = Callable[..., Any]


class Middleware:
    """A WSGI filter that paste builds with the app's :class:`ApiDeps`."""

    def __init__(self, application: WSGIApp, deps: api_deps.ApiDeps) -> None:
        self.application = application
        self.deps = deps

    @classmethod
    def factory(cls, global_conf: Mapping[str, Any],
                **local_conf: str) -> Callable[[WSGIApp], Middleware]:
        deps = api_deps.from_global_conf(global_conf)

        def _filter(app: WSGIApp) -> Middleware:
            return cls(app, deps)
        return _filter


class ApiRequest(webob.Request):
    """A request of the compute API."""

    @property
    def context(self) -> nova_context.RequestContext:
        ctxt = self.environ.get(CONTEXT_KEY)
        if ctxt is None:
            # A pipeline without an auth filter is a deployment error;
            # refuse rather than run unauthenticated.
            raise errors.Unauthorized()
        return ctxt

    @property
    def api_version(self) -> api_version.APIVersion:
        return self.environ.get(api_version.ENVIRON_KEY,
                                api_version.MIN_VERSION)

    def at_least(self, version: str) -> bool:
        """Whether the request asked for ``version`` or a later one
        (``req.at_least('2.26')``); see :data:`api_version._HISTORY`."""
        return self.api_version >= api_version.parsed(version)

    def prefix_url(self, strip_version: bool = False) -> str:
        """The URL of the API root (``.../v2.1``), or the host root.

        Worked out once per request (a listing links every server); a
        router that moves ``SCRIPT_NAME`` on sees it again.
        """
        key = (self.environ.get('SCRIPT_NAME', ''), strip_version)
        cache = self.environ.setdefault('nova.prefix_urls', {})
        url = cache.get(key)
        if url is None:
            url = self.application_url.rstrip('/')
            if strip_version:
                head, _sep, tail = url.rpartition('/')
                if _is_version_segment(tail):
                    url = head
            cache[key] = url
        return url


def _is_version_segment(segment: str) -> bool:
    if not segment.startswith('v'):
        return False
    return all(part.isdigit() for part in segment[1:].split('.'))


@dataclasses.dataclass
class Result:
    """The outcome of a controller action, before serialization."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_response(self) -> webob.Response:
        response = webob.Response(status=self.status)
        if self.body is not None:
            response.content_type = 'application/json'
            response.charset = 'utf-8'
            # orjson: a listing of a thousand servers is a megabyte of
            # JSON, which the standard encoder takes several times
            # longer to write.
            response.body = orjson.dumps(self.body,
                                         option=orjson.OPT_NON_STR_KEYS)
        else:
            # 202/204 without a body must not claim a content type.
            response.content_type = None
            response.body = b''
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def request_content_type(req: webob.Request) -> str | None:
    """The request's JSON content type, None when it declares none.

    ``text/plain`` counts as none: some HTTP stacks send it by default.
    """
    if 'Content-Type' not in req.headers:
        return None
    content_type = req.content_type
    if not content_type or content_type == 'text/plain':
        return None
    if content_type not in JSON_TYPES:
        raise errors.UnsupportedMediaType()
    return content_type


# No body of the compute API nests deeper than a handful of levels
# (server -> block_device_mapping_v2 -> item -> ...).  Deeper bodies are
# refused before they reach code that recurses over them: the JSON
# decoder itself, the schema validator, the controllers.
MAX_BODY_DEPTH = 32


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists/objects more than ``limit`` deep.

    Iterative, so that it is safe on any value the decoder returned.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def read_json_body(req: webob.Request) -> Any:
    """The decoded JSON body, or None for an empty body.

    A body that is not JSON, or nests more than :data:`MAX_BODY_DEPTH`
    levels, is a 400.
    """
    request_content_type(req)
    raw = req.body
    if not raw:
        return None
    try:
        body = json.loads(raw)
    except RecursionError:
        # The decoder recurses once per level: a body like '[' * 2000
        # exhausts the stack before it is found to be malformed.
        raise errors.BadRequest(
            reason='Malformed request body: nested more than %d levels'
            % MAX_BODY_DEPTH) from None
    except ValueError as exc:
        raise errors.BadRequest(reason='Malformed request body') from exc
    if _depth_exceeds(body, MAX_BODY_DEPTH):
        raise errors.BadRequest(
            reason='Malformed request body: nested more than %d levels'
            % MAX_BODY_DEPTH)
    return body
