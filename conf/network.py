"""Options of nova-network."""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

network_group = cfg.OptGroup('network', title='nova-network options')

network_opts = [
    cfg.StrOpt('fixed_range',
               default='10.0.0.0/24',
               help="""
CIDR fixed IPs of this cell are allocated from.

Possible values:

* An IPv4 network in CIDR notation; give each cell its own.
"""),
    cfg.StrOpt('network_label',
               default='private',
               help='Label of the network in server addresses.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, network_group, network_opts)


def list_opts():
    return [(network_group.name, network_opts)]
