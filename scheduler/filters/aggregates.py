"""Filters on the metadata of the host's aggregates."""

from __future__ import annotations

import operator
from typing import Any

from oslo_log import log as logging

from nova.scheduler.filters import BaseHostFilter
from nova.scheduler.host_manager import HostState

LOG = logging.getLogger(__name__)

SCOPE = 'aggregate_instance_extra_specs'

_NUMERIC = {'=': operator.ge, '==': operator.eq, '!=': operator.ne,
            '>=': operator.ge, '<=': operator.le}
_TEXT = {'s==': operator.eq, 's!=': operator.ne, 's<': operator.lt,
         's<=': operator.le, 's>': operator.gt, 's>=': operator.ge}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def matches(value: str, requirement: str) -> bool:
    """Whether an aggregate's ``value`` meets a flavor's extra spec, in
    the operators of Nova's extra specs: ``<or> a <or> b``, ``<in> a``
    (a substring), ``<all-in> a b``, numeric ``= N`` (at least),
    ``== != >= <=``, text ``s== s!= s< s<= s> s>=``; a plain value must
    equal.
    """
    words = requirement.split()
    if not words:
        return value == requirement
    op, args = words[0], words[1:]
    if op == '<or>':
        return value in [w for w in args if w != '<or>']
    if op == '<in>':
        return bool(args) and args[0] in value
    if op == '<all-in>':
        return bool(args) and all(a in value.split() for a in args)
    if op in _NUMERIC and len(args) == 1:
        have, want = _number(value), _number(args[0])
        return (have is not None and want is not None
                and _NUMERIC[op](have, want))
    if op in _TEXT and len(args) == 1:
        return bool(_TEXT[op](value, args[0]))
    return value == requirement


class AggregateInstanceExtraSpecsFilter(BaseHostFilter):
    """A flavor's ``aggregate_instance_extra_specs:KEY`` specs (and
    unscoped ``KEY`` ones) must be met by a value of ``KEY`` in the
    metadata of one of the host's aggregates."""

    def host_passes(self, host_state: HostState,
                    spec: dict[str, Any]) -> bool:
        flavor = spec.get('flavor')
        extra_specs = getattr(flavor, 'extra_specs', None) or {}
        for key, requirement in extra_specs.items():
            scope, _, name = key.rpartition(':')
            if scope and scope != SCOPE:
                continue
            values = host_state.aggregate_metadata.get(name)
            if not values:
                LOG.debug('%s: no aggregate has %s', host_state.host, name)
                return False
            if requirement is None or not any(
                    matches(v, requirement) for v in values):
                LOG.debug('%s: %s=%s not met by %s', host_state.host, name,
                          requirement, sorted(values))
                return False
        return True
