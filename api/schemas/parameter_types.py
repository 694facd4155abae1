"""Building blocks shared by the request schemas."""

from __future__ import annotations

from typing import Any

from nova.api.api_version import APIVersion

Schema = dict[str, Any]

# No leading or trailing whitespace, no line breaks.
name: Schema = {
    'type': 'string', 'minLength': 1, 'maxLength': 255,
    'pattern': r'^\S(.*\S)?$',
}

uuid: Schema = {'type': 'string', 'format': 'uuid'}

# Strings are accepted too because query strings and older clients send
# numbers as text.
positive_integer: Schema = {
    'type': ['integer', 'string'], 'pattern': r'^[1-9][0-9]*$',
    'minimum': 1, 'minLength': 1,
}

non_negative_integer: Schema = {
    'type': ['integer', 'string'], 'pattern': r'^[0-9]+$',
    'minimum': 0, 'minLength': 1,
}

boolean: Schema = {
    'type': ['boolean', 'string'],
    'pattern': r'(?i)^(true|false|t|f|yes|no|y|n|on|off|1|0)$',
}

metadata: Schema = {
    'type': 'object',
    'patternProperties': {
        r'^[a-zA-Z0-9_.:\- ]{1,255}$': {'type': 'string', 'maxLength': 255},
    },
    'additionalProperties': False,
}

ipv4: Schema = {'type': 'string', 'format': 'ipv4'}
ipv6: Schema = {'type': 'string', 'format': 'ipv6'}
ip_address: Schema = {'oneOf': [ipv4, ipv6]}


def single_query_param(schema: Schema) -> Schema:
    """A query parameter that may appear once."""
    return {'type': 'array', 'minItems': 1, 'maxItems': 1, 'items': schema}


def multi_query_param(schema: Schema) -> Schema:
    """A query parameter that may repeat."""
    return {'type': 'array', 'minItems': 1, 'items': schema}


query_string: Schema = multi_query_param({'type': 'string'})
# A filter the database matches as a regular expression (Nova's
# ``common_query_regex_param``).
query_regex: Schema = multi_query_param({'type': 'string',
                                         'format': 'regex'})

# "?all_tenants" with no value means yes, as in Nova.
query_boolean: Schema = single_query_param(
    {'type': 'string',
     'pattern': r'(?i)^(|true|false|t|f|yes|no|y|n|on|off|1|0)$'})


# A server's description (2.19): printable, or null.
description: Schema = {
    'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255,
    'pattern': '^[^\x00-\x1f\x7f]*$',
}

# A server tag (2.26): no comma, no slash.
tag: Schema = {'type': 'string', 'minLength': 1, 'maxLength': 60,
               'pattern': '^[^,/]*$'}
tags: Schema = {'type': 'array', 'items': tag, 'maxItems': 50}

# A device tag of a network or block device (2.32, 2.42).
device_tag: Schema = {'type': 'string', 'minLength': 1, 'maxLength': 60,
                      'pattern': '^[^,/]*$'}

# trusted_image_certificates (2.63).
trusted_certs: Schema = {
    'type': ['array', 'null'], 'minItems': 1, 'maxItems': 50,
    'uniqueItems': True,
    'items': {'type': 'string', 'minLength': 1},
}

hostname: Schema = {'type': 'string', 'minLength': 1, 'maxLength': 255}

# A server's own hostname (2.90): one DNS label, letters, digits and
# hyphens, neither starting nor ending with a hyphen.
_LABEL = '[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?'
server_hostname: Schema = {'type': 'string', 'minLength': 2,
                           'maxLength': 63, 'pattern': f'^{_LABEL}$'}
# From 2.94 a fully qualified domain name: such labels joined by dots.
server_fqdn: Schema = {'type': 'string', 'minLength': 2, 'maxLength': 255,
                       'pattern': rf'^{_LABEL}(\.{_LABEL})*$'}


def server_hostname_at(version: APIVersion) -> Schema:
    """A server's ``hostname`` on create, update and rebuild at
    ``version`` (2.90 on): one label, or from 2.94 an FQDN."""
    return server_fqdn if version >= APIVersion(2, 94) else server_hostname
