"""Configuration options, one module per group.

Every option module has ``register_opts(conf)`` and ``list_opts()``.
:func:`new_conf` builds a private ``ConfigOpts`` with all of them: several
cells can then live in one process (``nova-all``), each with its own
configuration.  The daemons use the global ``CONF``.
"""

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging
from oslo_messaging import opts as messaging_opts
from oslo_messaging._metrics import client as _metrics_client
from oslo_messaging._tracing import client as _tracing_client

from nova.conf import all as all_opts
from nova.conf import api
from nova.conf import availability_zone
from nova.conf import cells
from nova.conf import compute
from nova.conf import database
from nova.conf import default
from nova.conf import glance
from nova.conf import network
from nova.conf import notifications
from nova.conf import quota
from nova.conf import scheduler

CONF = cfg.CONF

_MODULES = (default, database, api, cells, compute, scheduler, network,
            all_opts, availability_zone, quota, notifications, glance)


def register_all(conf: cfg.ConfigOpts) -> cfg.ConfigOpts:
    for module in _MODULES:
        module.register_opts(conf)
    # transport_url and the RPC timeouts belong to oslo.messaging; having
    # them registered up front lets services read them before any
    # transport exists.
    oslo_messaging.set_transport_defaults('nova')
    for group, opts in messaging_opts.list_opts():
        if group is None:
            conf.register_opts(opts)
        elif group == 'oslo_messaging_notifications':
            # Read by nova.rpc before any notifier exists, to know
            # whether notifications are sent at all.
            conf.register_opts(opts, group=group)
    # oslo.messaging registers these two groups only on the global CONF but
    # reads them from the transport's own: a private ConfigOpts needs them.
    conf.register_opts(_metrics_client.oslo_messaging_metrics,
                       group='oslo_messaging_metrics')
    conf.register_opts(_tracing_client.oslo_messaging_tracing,
                       group='oslo_messaging_tracing')
    logging.register_options(conf)
    return conf


def new_conf() -> cfg.ConfigOpts:
    """A fresh ConfigOpts with every nova option registered."""
    return register_all(cfg.ConfigOpts())


register_all(CONF)
