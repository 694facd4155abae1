"""Errors only the REST API raises, and the fault names clients expect.

They extend :mod:`nova.exception` so that :mod:`nova.api.faults` renders
every error, from the API or from the services behind it, the same way::

    NovaException
    +-- Invalid (400): BadRequest, InvalidAPIVersionString
    +-- NotFound (404): ResourceNotFound, ItemNotFound
    +-- Conflict (409): ConflictingRequest
    +-- Unauthorized (401)
    +-- MethodNotAllowed (405)
    +-- RequestTooLarge (413)
    +-- UnsupportedAPIVersion (406)
    +-- UnsupportedMediaType (415)
"""

from __future__ import annotations

from typing import Any

from nova import exception

# Top-level key of an error body, by status; others are "computeFault".
FAULT_NAMES: dict[int, str] = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}


def fault_name(status: int) -> str:
    return FAULT_NAMES.get(status, 'computeFault')


class BadRequest(exception.Invalid):
    msg_fmt = '%(reason)s'


class InvalidAPIVersionString(exception.Invalid):
    msg_fmt = ('API Version String %(version)s is of invalid format. Must '
               'be of format MajorNum.MinorNum.')


class RequestTooLarge(exception.NovaException):
    msg_fmt = 'Request is too large: a body may hold %(limit)d bytes.'
    code = 413


class ResourceNotFound(exception.NotFound):
    msg_fmt = 'The resource could not be found.'


class ItemNotFound(exception.NotFound):
    msg_fmt = '%(reason)s'


class ConflictingRequest(exception.Conflict):
    msg_fmt = '%(reason)s'


class Unauthorized(exception.NovaException):
    msg_fmt = 'Authentication required.'
    code = 401


class MethodNotAllowed(exception.NovaException):
    msg_fmt = 'The method %(method)s is not allowed for this resource.'
    code = 405

    def __init__(self, allowed: list[str] | None = None, **kwargs: Any
                 ) -> None:
        super().__init__(**kwargs)
        self.allowed = sorted(allowed or [])


class UnsupportedAPIVersion(exception.NovaException):
    msg_fmt = ('Version %(req_ver)s is not supported by the API. Minimum is '
               '%(min_ver)s and maximum is %(max_ver)s.')
    code = 406


class UnsupportedMediaType(exception.NovaException):
    msg_fmt = 'Unsupported Content-Type'
    code = 415
