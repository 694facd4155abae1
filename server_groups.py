"""Server group policies: the vocabulary every service speaks.

A server group lives in the API cell's database.  What the cells, host
schedulers and compute hosts need of it travels with each build of a
member, as ``filter_properties['server_group']`` (a *spec*)::

    {'uuid': ..., 'policy': 'anti-affinity',
     'rules': {'max_server_per_host': 2},
     'members': [{'uuid': ..., 'host': 'cell1-compute1',
                  'cell_name': 'api!cell1'}, ...]}

``members`` are the group's live instances as the API cell knew them when
the build left it (``host`` and ``cell_name`` None while unplaced).  Each
member also carries its group's uuid and policy in its system metadata
(:func:`system_metadata`), so that a child cell finds the members it
runs in its own database, fresher than any spec, and a build it sends
again keeps its group (:func:`spec_from_system_metadata`).

Hard policies are filters (:func:`host_allowed`), soft ones weights
(:func:`soft_weight`).  Affinity keeps the members on one host, hence in
one cell: the cell scheduler sends every member to the cell of the first.
Anti-affinity spreads them over hosts, across cells if need be: members
in different cells are on different hosts by construction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

AFFINITY = 'affinity'
ANTI_AFFINITY = 'anti-affinity'
SOFT_AFFINITY = 'soft-affinity'
SOFT_ANTI_AFFINITY = 'soft-anti-affinity'
# The policies of microversion 2.1, and those 2.15 added.
POLICIES_V21 = (ANTI_AFFINITY, AFFINITY)
POLICIES_V215 = POLICIES_V21 + (SOFT_ANTI_AFFINITY, SOFT_AFFINITY)

# filter_properties key of a build's spec; system metadata key of a member.
FILTER_PROPERTY = 'server_group'
SYSTEM_METADATA_KEY = 'server_group'
_POLICY_KEY = 'server_group_policy'
_MAX_KEY = 'server_group_max_per_host'
# The scheduler hint that names a group on boot.
HINT = 'group'


def spec_of(group: dict[str, Any]) -> dict[str, Any]:
    """The spec of a group as the API cell's database returns it (with
    ``placed``, the live members and where they are)."""
    return {'uuid': group['uuid'], 'policy': group['policy'],
            'rules': dict(group.get('rules') or {}),
            'members': [{'uuid': m['uuid'], 'host': m.get('host'),
                         'cell_name': m.get('cell_name')}
                        for m in group.get('placed') or ()]}


def system_metadata(group: dict[str, Any]) -> dict[str, str]:
    """What a member's system metadata says of its group."""
    values = {SYSTEM_METADATA_KEY: group['uuid'],
              _POLICY_KEY: group['policy']}
    limit = (group.get('rules') or {}).get('max_server_per_host')
    if limit:
        values[_MAX_KEY] = str(limit)
    return values


def spec_from_system_metadata(sysmeta: dict[str, Any] | None
                              ) -> dict[str, Any] | None:
    """The spec of a member's group from its system metadata (members
    unknown: a cell reads its own from its database); None for an
    instance in no group."""
    sysmeta = sysmeta or {}
    if not sysmeta.get(SYSTEM_METADATA_KEY) or not sysmeta.get(_POLICY_KEY):
        return None
    rules = ({'max_server_per_host': int(sysmeta[_MAX_KEY])}
             if sysmeta.get(_MAX_KEY) else {})
    return {'uuid': sysmeta[SYSTEM_METADATA_KEY],
            'policy': sysmeta[_POLICY_KEY], 'rules': rules, 'members': []}


def max_per_host(spec: dict[str, Any]) -> int:
    """How many members one host may hold under anti-affinity (the 2.64
    rule ``max_server_per_host``, 1 without it)."""
    return int((spec.get('rules') or {}).get('max_server_per_host') or 1)


def host_counts(hosts: Iterable[str | None]) -> Counter[str]:
    """Members per host, of the hosts given (None: not placed yet)."""
    return Counter(h for h in hosts if h)


def host_allowed(spec: dict[str, Any], host: str,
                 member_hosts: Counter[str]) -> bool:
    """Whether a member may go to ``host`` under a hard policy, the other
    members being on ``member_hosts`` (soft policies allow any host)."""
    policy = spec.get('policy')
    if policy == AFFINITY:
        return not member_hosts or host in member_hosts
    if policy == ANTI_AFFINITY:
        return member_hosts[host] < max_per_host(spec)
    return True


def violation(spec: dict[str, Any], host: str,
              member_hosts: Counter[str]) -> str | None:
    """Why a member may not be built on ``host`` (Nova's wording), or
    None when it may."""
    if host_allowed(spec, host, member_hosts):
        return None
    if spec.get('policy') == AFFINITY:
        return 'Affinity instance group policy was violated.'
    return 'Anti-affinity instance group policy was violated.'


def soft_weight(spec: dict[str, Any] | None, host: str,
                member_hosts: Counter[str]) -> float:
    """A host's raw weight under a soft policy: the members it holds
    (soft-affinity) or minus them (soft-anti-affinity); 0 otherwise."""
    if not spec:
        return 0.0
    if spec.get('policy') == SOFT_AFFINITY:
        return float(member_hosts[host])
    if spec.get('policy') == SOFT_ANTI_AFFINITY:
        return -float(member_hosts[host])
    return 0.0
