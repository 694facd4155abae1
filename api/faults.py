"""Turns every error into Nova's JSON fault body: the ``faultwrap`` filter.

This is the one place exceptions become HTTP responses::

    {"itemNotFound": {"code": 404, "message": "Flavor 9 could not be found."}}

A :class:`nova.exception.NovaException` keeps its ``code`` and message, except
that an internal error (500) never shows its message: it may carry details
meant for operators, so clients get a generic text and the log gets the
traceback. Any other exception is a 500 too.
"""

from __future__ import annotations

import json
from typing import Any

from oslo_log import log as logging
import webob
import webob.dec
import webob.exc

from nova import exception
from nova.api import api_version
from nova.api import errors
from nova.api import wsgi

LOG = logging.getLogger(__name__)

GENERIC_ERROR = ('Unexpected API Error. Please report it to the cloud '
                 'operator together with the request ID.')


def fault_response(status: int, message: str, *,
                   version: api_version.APIVersion | None = None,
                   headers: dict[str, str] | None = None) -> webob.Response:
    """A response with Nova's error body for ``status``."""
    fault: dict[str, Any] = {'code': status, 'message': message}
    retry_after = (headers or {}).get('Retry-After')
    if status in (413, 429) and retry_after:
        fault['retryAfter'] = retry_after
    response = webob.Response(status=status)
    response.content_type = 'application/json'
    response.charset = 'utf-8'
    response.body = json.dumps({errors.fault_name(status): fault}).encode()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if version is not None:
        for name, value in api_version.response_headers(version):
            response.headers.add(name, value)
    return response


def _status_and_message(exc: Exception) -> tuple[int, str, dict[str, str]]:
    if isinstance(exc, exception.NovaException):
        status = int(getattr(exc, 'code', 500) or 500)
        message = exc.format_message()
        headers: dict[str, str] = {}
        if isinstance(exc, errors.MethodNotAllowed):
            headers['Allow'] = ', '.join(exc.allowed)
        return status, message, headers
    if isinstance(exc, webob.exc.HTTPException):
        return exc.code, exc.explanation or exc.title, {}
    return 500, GENERIC_ERROR, {}


class FaultWrapper(wsgi.Middleware):
    """Catches whatever the wrapped app raises and answers with a fault."""

    @webob.dec.wsgify(RequestClass=webob.Request)
    def __call__(self, req: webob.Request) -> webob.Response:
        try:
            return req.get_response(self.application)
        except Exception as exc:  # noqa: BLE001 - this is the last stop
            return self._error(req, exc)

    def _error(self, req: webob.Request, exc: Exception) -> webob.Response:
        status, message, headers = _status_and_message(exc)
        if status >= 500 and status not in (501, 503):
            # Only internal errors get a traceback and lose their message.
            LOG.exception('Unexpected error serving %s %s',
                          req.method, req.path_url)
            message = GENERIC_ERROR
        else:
            LOG.info('%(method)s %(url)s returned with HTTP %(status)d',
                     {'method': req.method, 'url': req.path_url,
                      'status': status})
        version = req.environ.get(api_version.ENVIRON_KEY)
        return fault_response(status, message, version=version,
                              headers=headers)
