"""JSON-schema validation of request bodies and query strings.

Schemas live in :mod:`nova.api.schemas`. A failure is a 400 whose message
names the offending field the way Nova words it, for instance::

    Invalid input for field/attribute server. Value: {...}.
    'flavorRef' is a required property

Query strings are validated as a dict of lists (a parameter may repeat),
so their schemas wrap each parameter in an array.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
import ipaddress
import re
from typing import Any
import uuid

import jsonschema
from jsonschema import exceptions as js_exceptions
from oslo_utils import timeutils

from nova import exception

FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


@FORMAT_CHECKER.checks('uuid')
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks('regex')
def _is_regex(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        re.compile(value)
    except re.error:
        return False
    return True


@FORMAT_CHECKER.checks('base64')
def _is_base64(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


@FORMAT_CHECKER.checks('date-time')
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        timeutils.parse_isotime(value)
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks('ipv4')
def _is_ipv4(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks('ipv6')
def _is_ipv6(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _first_error(schema: Mapping[str, Any],
                 instance: Any) -> js_exceptions.ValidationError | None:
    validator = jsonschema.Draft4Validator(
        schema, format_checker=FORMAT_CHECKER)
    return js_exceptions.best_match(validator.iter_errors(instance))


def _field_name(path: Any) -> str | None:
    # The innermost named element: an array index alone says little.
    names = [str(p) for p in path if isinstance(p, str)]
    return names[-1] if names else None


# Words that make a key's value a secret (os-cells' broker password,
# adminPass, tokens): such values never appear in an error message.
_SECRET_KEY_WORDS = ('pass', 'secret', 'token')


def _secret_values(body: Any) -> list[str]:
    """Every string held under a secret-looking key, anywhere in body."""
    found: list[str] = []
    # Iterative: a body is only as deep as the parser allowed, but this
    # must never be the place that recurses too far.
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str) and any(
                        word in str(key).lower()
                        for word in _SECRET_KEY_WORDS):
                    found.append(value)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _without_secrets(text: str, body: Any) -> str:
    """``text`` with every secret of ``body`` replaced by ``***``.

    The messages quote values as Python reprs (escaped), so the repr of
    each secret goes first, then the secret itself unless it is so short
    that replacing it would mangle the words of the message.
    """
    secrets = [s for s in _secret_values(body) if s]
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(repr(secret), "'***'")
        if len(secret) >= 3:
            text = text.replace(secret, '***')
    return text


def validate_body(schema: Mapping[str, Any], body: Any) -> None:
    """Raise :class:`nova.exception.ValidationError` unless body fits.

    The message quotes the offending value, as Nova's does, except that
    passwords (and other secrets) in it are masked.
    """
    error = _first_error(schema, body)
    if error is None:
        return
    field = _field_name(error.absolute_path)
    if field is None:
        detail = error.message
    else:
        detail = (f'Invalid input for field/attribute {field}. Value: '
                  f'{error.instance}. {error.message}')
    raise exception.ValidationError(detail=_without_secrets(detail, body))


def validate_query(schema: Mapping[str, Any],
                   query: Mapping[str, list[str]]) -> None:
    """Validate ``query`` (``request.GET.dict_of_lists()``)."""
    error = _first_error(schema, dict(query))
    if error is None:
        return
    if error.absolute_path:
        name = error.absolute_path[0]
        detail = (f'Invalid input for query parameters {name}. Value: '
                  f'{error.instance}. {error.message}')
    else:
        detail = error.message
    raise exception.ValidationError(detail=detail)
