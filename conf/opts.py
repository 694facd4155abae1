"""Entry point for oslo-config-generator (``oslo.config.opts``)."""

import collections

from nova.conf import _MODULES


def list_opts():
    merged = collections.OrderedDict()
    for module in _MODULES:
        for group, opts in module.list_opts():
            merged.setdefault(group, []).extend(opts)
    return list(merged.items())
