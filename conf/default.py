"""[DEFAULT] options shared by every service.

``transport_url`` and ``rpc_response_timeout`` are oslo.messaging's own
options (see the ``oslo.messaging`` part of the sample): in a cell they
name that cell's broker, e.g. ``rabbit://user:password@host:5672/cell1``
or ``inproc://cell1`` for the embedded in-process broker.
"""

import socket

from oslo_config import cfg

default_opts = [
    cfg.StrOpt('host',
               default=socket.gethostname(),
               sample_default='<current_hostname>',
               help="""
Name of this node.

Used as the RPC server name of the services on this node and as the
compute host name recorded on instances and compute nodes.

Possible values:

* A string that is unique within its cell.
"""),
    cfg.StrOpt('compute_api_class',
               default='nova.compute.api.API',
               help="""
Full class name of the compute API used by nova-api.

Possible values:

* ``nova.compute.api.API``: a plain (child or stand-alone) cell.
* ``nova.compute.cells_api.ComputeCellsAPI``: the top (API) cell of a
  cells deployment, which forwards to its nova-cells service.

Related options:

* ``[cells] enable``, ``[cells] cell_type``
"""),
    cfg.StrOpt('compute_driver',
               default='fake.FakeDriver',
               help="""
Virtualisation driver used by nova-compute.

Possible values:

* ``fake.FakeDriver``: simulated hypervisors with real resource
  bookkeeping (see the ``[fake_driver]`` group).
"""),
    cfg.StrOpt('state_path',
               default='$pybasedir/state',
               help="""
Top-level directory for state kept by the services.

Possible values:

* An absolute or relative path; ``$state_path`` may be used in other
  options (``[database] connection`` for example).
"""),
    cfg.StrOpt('pybasedir',
               default='.',
               sample_default='<Path>',
               help="""
Directory the relative ``state_path`` default is computed from.
"""),
    cfg.IntOpt('service_down_time',
               default=60, min=1,
               help="""
Seconds since its last heartbeat after which a service counts as down.

Related options:

* ``report_interval``
"""),
    cfg.IntOpt('report_interval',
               default=10, min=1,
               help="""
Seconds between two heartbeats of a service in the services table.

Related options:

* ``service_down_time`` must be larger.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(default_opts)


def list_opts():
    return [('DEFAULT', default_opts)]
