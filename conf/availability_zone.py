"""[DEFAULT] availability zone options.

Each cell sets its own: the zones ``os-availability-zone`` lists are those
of every cell of the tree.
"""

from oslo_config import cfg

availability_zone_opts = [
    cfg.StrOpt('default_availability_zone',
               default='nova',
               help="""
Availability zone of the compute hosts of this cell.

Possible values:

* A zone name; every compute service of the cell reports it.

Related options:

* ``internal_service_availability_zone``
"""),
    cfg.StrOpt('internal_service_availability_zone',
               default='internal',
               help="""
Availability zone reported for the services that are not compute hosts
(nova-cells, nova-scheduler, nova-network).

Possible values:

* A zone name; users never see it, it is listed only to administrators.

Related options:

* ``default_availability_zone``
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(availability_zone_opts)


def list_opts():
    return [('DEFAULT', availability_zone_opts)]
