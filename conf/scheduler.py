"""Options of the host scheduler inside a cell."""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

filter_group = cfg.OptGroup('filter_scheduler',
                            title='Host scheduler options')

scheduler_opts = [
    cfg.FloatOpt('ram_allocation_ratio', default=1.5, min=0.0,
                 help='Virtual RAM to physical RAM allocation ratio.'),
    cfg.FloatOpt('disk_allocation_ratio', default=1.0, min=0.0,
                 help='Virtual disk to physical disk allocation ratio.'),
    cfg.FloatOpt('cpu_allocation_ratio', default=16.0, min=0.0,
                 help='Virtual CPU to physical CPU allocation ratio.'),
    cfg.IntOpt('max_attempts', default=3, min=1,
               help="""
Hosts tried for one build before it fails.
"""),
    cfg.FloatOpt('soft_affinity_weight_multiplier', default=1.0, min=0.0,
                 help="""
Multiplier of the soft-affinity weigher.

A member of a soft-affinity server group prefers the hosts holding more
of its group's members; the weight is normalised to 0..1 and multiplied
by this, as the free-RAM weight is (by 1.0).

Possible values:

* A positive number, or 0 to ignore the policy.

Related options:

* ``soft_anti_affinity_weight_multiplier``
"""),
    cfg.FloatOpt('soft_anti_affinity_weight_multiplier', default=1.0,
                 min=0.0,
                 help="""
Multiplier of the soft-anti-affinity weigher.

A member of a soft-anti-affinity server group prefers the hosts holding
fewer of its group's members.

Possible values:

* A positive number, or 0 to ignore the policy.

Related options:

* ``soft_affinity_weight_multiplier``
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, filter_group, scheduler_opts)


def list_opts():
    return [(filter_group.name, scheduler_opts)]
