"""What an inter-cell message must be before any of it is used.

A message from a neighbour is untrusted JSON.  :func:`check` accepts it
only when every field the receiving cell will read is there and of the
right type, so that nothing past it (rebuilding the request context,
routing, running a handler, delivering a response to a waiting caller)
can fail on the message's shape:

* the fields common to every message, typed (:data:`_COMMON`);
* the request context: every field :meth:`nova.context.RequestContext.
  from_dict` reads, typed; unknown fields only as plain values;
* the fields of each kind: a targeted message names its ``target_cell``;
  a broadcast may say ``run_locally``; a response names its target and
  the kind of answer it carries, and carries it as ``{'payload': ...}``
  in the shape of that kind;
* the routing path: one valid cell name per hop taken (``hop_count + 1``
  names), the last being the receiving cell.

A failed check raises :class:`~nova.exception.CellMessageInvalid`
naming the first problem found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastjsonschema

from nova import cell_paths
from nova import exception

TARGETED = 'targeted'
BROADCAST = 'broadcast'
RESPONSE = 'response'

_STRING_OR_NULL = {'type': ['string', 'null']}
_BOOLEAN = {'type': 'boolean'}

CONTEXT_SCHEMA: dict[str, Any] = {
    'type': 'object',
    'properties': {
        **{name: _STRING_OR_NULL for name in (
            'user', 'user_id', 'project', 'project_id', 'tenant',
            'domain', 'user_domain', 'project_domain', 'system_scope',
            'auth_token', 'request_id', 'global_request_id',
            'resource_uuid', 'user_identity', 'user_name',
            'project_name')},
        **{name: _BOOLEAN for name in (
            'is_admin', 'read_only', 'show_deleted', 'is_admin_project')},
        'read_deleted': {'enum': ['no', 'yes', 'only']},
        'roles': {'type': 'array', 'items': {'type': 'string'}},
    },
    # Fields of newer oslo.context versions are not read, but must not
    # be structures either: a context is a flat record.
    'additionalProperties': {
        'type': ['string', 'number', 'boolean', 'null', 'array'],
        'items': {'type': ['string', 'number', 'boolean', 'null']}},
}

_COMMON: dict[str, Any] = {
    'message_type': {'enum': [TARGETED, BROADCAST, RESPONSE]},
    'ctxt': CONTEXT_SCHEMA,
    'method_name': {'type': 'string', 'pattern': '^[a-z][a-z0-9_]*$',
                    'maxLength': 255},
    'method_kwargs': {'type': 'object'},
    'direction': {'enum': ['up', 'down']},
    'need_response': {'type': 'boolean'},
    'uuid': {'type': 'string', 'minLength': 1, 'maxLength': 64},
    'routing_path': {'type': 'string', 'minLength': 1},
    'hop_count': {'type': 'integer', 'minimum': 0},
    'max_hop_count': {'type': 'integer', 'minimum': 1},
    'response_timeout': {'type': 'number', 'exclusiveMinimum': 0},
}
_COMMON_REQUIRED = ['message_type', 'ctxt', 'method_name', 'method_kwargs',
                    'direction', 'need_response', 'uuid', 'routing_path',
                    'hop_count', 'max_hop_count']

# One cell's answer, as Response.to_primitive writes it.  A failure's
# value is oslo.messaging's serialized exception: a JSON string, checked
# further when the response is decoded at its destination.
ONE_ANSWER: dict[str, Any] = {
    'type': 'object',
    'properties': {
        'cell_name': {'type': 'string', 'minLength': 1},
        'value': {},
        'failure': {'type': 'boolean'},
    },
    'required': ['cell_name', 'value', 'failure'],
    'additionalProperties': False,
    'if': {'properties': {'failure': {'const': True}}},
    'then': {'properties': {'value': {'type': 'string'}}},
}

# The answers of a broadcast that one hop passes back.
BROADCAST_ANSWERS: dict[str, Any] = {
    'type': 'object',
    'properties': {
        'responses': {'type': 'array', 'items': ONE_ANSWER},
        'missing': {'type': 'array', 'items': {'type': 'string'}},
    },
    'required': ['responses', 'missing'],
    'additionalProperties': False,
}

# oslo.messaging's serialized exception, once decoded.
REMOTE_ERROR: dict[str, Any] = {
    'type': 'object',
    'properties': {
        'class': {'type': 'string'},
        'module': {'type': 'string'},
        'message': {'type': 'string'},
        'tb': {'type': 'array', 'items': {'type': 'string'}},
        'args': {'type': 'array'},
        'kwargs': {'type': 'object'},
    },
    'required': ['class', 'module', 'message'],
}


def _kind_schema(extra: dict[str, Any], required: list[str]
                 ) -> dict[str, Any]:
    return {
        'type': 'object',
        'properties': {**_COMMON, **extra},
        'required': _COMMON_REQUIRED + required,
        'additionalProperties': False,
    }


_TARGET = {'type': 'string', 'minLength': 1}

SCHEMAS: dict[str, dict[str, Any]] = {
    TARGETED: _kind_schema({'target_cell': _TARGET}, ['target_cell']),
    BROADCAST: _kind_schema({'run_locally': {'type': 'boolean'},
                             'skip_mute': {'type': 'boolean'}}, []),
    RESPONSE: _kind_schema({
        'target_cell': _TARGET,
        'response_kind': {'enum': [TARGETED, BROADCAST]},
        'method_kwargs': {
            'type': 'object', 'properties': {'payload': {}},
            'required': ['payload'], 'additionalProperties': False},
    }, ['target_cell', 'response_kind']),
}

# Every hop checks every message: compiled to plain Python once, the
# check takes microseconds where jsonschema's validator takes ~20 times
# longer.
_CHECKS: dict[str, Callable[[Any], Any]] = {
    kind: fastjsonschema.compile(schema) for kind, schema in SCHEMAS.items()}
_check_one_answer = fastjsonschema.compile(ONE_ANSWER)
_check_broadcast_answers = fastjsonschema.compile(BROADCAST_ANSWERS)
_check_remote_error = fastjsonschema.compile(REMOTE_ERROR)


def _invalid(reason: str) -> exception.CellMessageInvalid:
    return exception.CellMessageInvalid(reason=reason)


def _schema_check(check: Callable[[Any], Any], data: Any,
                  what: str) -> None:
    try:
        check(data)
    except fastjsonschema.JsonSchemaException as error:
        message = getattr(error, 'message', None) or str(error)
        raise _invalid('%s: %s' % (what, message)) from None


def _check_path(path: str, what: str) -> list[str]:
    names = path.split(cell_paths.PATH_CELL_SEP)
    for name in names:
        if not name or cell_paths.CELL_ITEM_SEP in name:
            raise _invalid('%s %r holds an empty or invalid cell name'
                           % (what, path))
    return names


def check(data: Any, our_name: str) -> None:
    """Raise CellMessageInvalid unless ``data`` is a whole, well-typed
    message that reached ``our_name`` along a consistent path."""
    if not isinstance(data, dict):
        raise _invalid('a message is an object, not %s'
                       % type(data).__name__)
    kind = data.get('message_type')
    if kind not in _CHECKS:
        raise _invalid('unknown message type %r' % (kind,))
    _schema_check(_CHECKS[kind], data, kind + ' message')
    names = _check_path(data['routing_path'], 'routing path')
    if len(names) != data['hop_count'] + 1:
        # The path grows one name per hop: a path of another length
        # cannot be retraced by the answer, nor trusted for loops.
        raise _invalid('routing path %r does not match hop count %d'
                       % (data['routing_path'], data['hop_count']))
    if names[-1] != our_name:
        raise _invalid('routing path %r does not end at this cell (%s)'
                       % (data['routing_path'], our_name))
    if 'target_cell' in data:
        _check_path(data['target_cell'], 'target cell')
    if kind == RESPONSE:
        payload = data['method_kwargs']['payload']
        if data['response_kind'] == TARGETED:
            _schema_check(_check_one_answer, payload, 'response payload')
        else:
            _schema_check(_check_broadcast_answers, payload,
                          'response payload')


def check_remote_error(decoded: Any) -> None:
    """Raise CellMessageInvalid unless ``decoded`` (a failure's value,
    JSON-decoded) is an exception as oslo.messaging serializes one."""
    _schema_check(_check_remote_error, decoded, 'remote error')
