"""Checks of security group input, in Nova's words (nova-network).

Pure functions: the compute API and the REST API both call them, before
anything is written.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from nova import exception

PROTOCOLS = ('TCP', 'UDP', 'ICMP')
ANY_CIDR = '0.0.0.0/0'
# What a rule from a group opens when it names no ports.
_ALL_PORTS = {'ICMP': (-1, -1), 'TCP': (1, 65535), 'UDP': (1, 65535)}


def group_id(value: Any) -> int:
    """A group (or rule) id as the URL or body gave it."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exception.Invalid('Security group id should be integer') \
            from None


def check_property(value: Any, name: str) -> str:
    """A group's ``name`` or ``description``: a string of 1 to 255
    characters, blanks around it not counted."""
    if not isinstance(value, str):
        raise exception.Invalid(
            'Security group %s is not a string or unicode' % name)
    stripped = value.strip()
    if len(stripped) < 1:
        raise exception.InvalidInput(
            message='%s has a minimum character requirement of 1.' % name)
    if len(stripped) > 255:
        raise exception.InvalidInput(
            message='%s has more than 255 characters.' % name)
    return value


def parse_cidr(cidr: Any) -> str:
    """A rule's source network; any address when none is given."""
    if not cidr:
        return ANY_CIDR
    if not isinstance(cidr, str) or '/' not in cidr or \
            not cidr.split('/', 1)[1]:
        raise exception.InvalidCidr(cidr=cidr)
    try:
        ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise exception.InvalidCidr(cidr=cidr) from None
    address, prefix = cidr.split('/', 1)
    if prefix == '0' and address not in ('0.0.0.0', '::'):
        raise exception.Invalid('Bad prefix for network in cidr %s' % cidr)
    return cidr


def _ports(given: str, from_port: Any, to_port: Any) -> tuple[int, int]:
    protocol = given.upper()
    try:
        low, high = int(from_port), int(to_port)
    except (TypeError, ValueError):
        if protocol == 'ICMP':
            reason = 'Type and Code must be integers for ICMP protocol type'
        else:
            reason = 'To and From ports must be integers'
        raise exception.InvalidInput(reason=reason) from None
    if protocol not in PROTOCOLS:
        raise exception.InvalidIpProtocol(protocol=given)
    if protocol in ('TCP', 'UDP'):
        if low > high:
            raise exception.InvalidPortRange(
                from_port=low, to_port=high,
                msg='Former value cannot be greater than the later')
        if low < 1 or high > 65535:
            raise exception.InvalidPortRange(
                from_port=low, to_port=high,
                msg='Valid %s ports should be between 1-65535' % protocol)
    elif not (-1 <= low <= 255 and -1 <= high <= 255):
        raise exception.InvalidPortRange(
            from_port=low, to_port=high,
            msg='For ICMP, the type:code must be valid')
    return low, high


def rule_values(ip_protocol: Any, from_port: Any, to_port: Any,
                cidr: Any = None, source_group_id: int | None = None
                ) -> dict[str, Any] | None:
    """The columns of a new rule: from the members of
    ``source_group_id`` or from ``cidr``.  None when a CIDR rule lacks
    its protocol or ports ("Not enough parameters")."""
    values: dict[str, Any] = {'protocol': None, 'from_port': None,
                              'to_port': None, 'cidr': None,
                              'group_id': None}
    if ip_protocol is not None and not isinstance(ip_protocol, str):
        raise exception.InvalidIpProtocol(protocol=ip_protocol)
    protocol = (ip_protocol or '').upper()
    if source_group_id is not None:
        values['group_id'] = source_group_id
        if from_port is None and to_port is None and \
                protocol in _ALL_PORTS:
            from_port, to_port = _ALL_PORTS[protocol]
    else:
        values['cidr'] = parse_cidr(cidr)
    if ip_protocol and from_port is not None and to_port is not None:
        values['from_port'], values['to_port'] = _ports(ip_protocol,
                                                        from_port, to_port)
        # Kept as given, as Nova keeps it.
        values['protocol'] = ip_protocol
        return values
    if source_group_id is None:
        return None
    return values
