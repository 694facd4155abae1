"""The ``request_id`` filter: every request gets an ID clients can quote.

The ID (``req-<uuid>``) goes into ``environ['openstack.request_id']``, where
the auth filters pick it up for the request context, and back to the client
in ``X-OpenStack-Request-ID`` and Nova's historical ``X-Compute-Request-ID``.
A well-formed inbound ``X-OpenStack-Request-ID`` is kept as the global
request ID, which ties together the requests of one user action across
services.
"""

from __future__ import annotations

import re
import uuid

from oslo_log import log as logging
import webob
import webob.dec

from nova.api import wsgi

LOG = logging.getLogger(__name__)

ENV_REQUEST_ID = 'openstack.request_id'
ENV_GLOBAL_REQUEST_ID = 'openstack.global_request_id'
HEADER = 'X-OpenStack-Request-ID'
COMPAT_HEADER = 'X-Compute-Request-ID'

_ID_RE = re.compile(r'^req-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-'
                    r'[a-f0-9]{4}-[a-f0-9]{12}$')


def new_request_id() -> str:
    return f'req-{uuid.uuid4()}'


class RequestId(wsgi.Middleware):
    """Assigns the request ID and returns it in the response headers."""

    @webob.dec.wsgify(RequestClass=webob.Request)
    def __call__(self, req: webob.Request) -> webob.Response:
        request_id = new_request_id()
        req.environ[ENV_REQUEST_ID] = request_id
        inbound = req.headers.get(HEADER)
        if inbound:
            if _ID_RE.match(inbound):
                req.environ[ENV_GLOBAL_REQUEST_ID] = inbound
            else:
                # Untrusted input: ignore it rather than log it verbatim.
                LOG.debug('Ignoring malformed inbound request ID')
        response = req.get_response(self.application)
        response.headers[HEADER] = request_id
        response.headers[COMPAT_HEADER] = request_id
        return response
