"""Options of nova-compute and its fake virt driver."""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

fake_group = cfg.OptGroup('fake_driver', title='Fake virt driver', help="""
Simulated hypervisors.  Each nova-compute process may stand for several
nodes.
""")

compute_opts = [
    cfg.IntOpt('max_concurrent_builds',
               default=10, min=1,
               help="""
Builds one nova-compute runs at the same time.
"""),
    cfg.IntOpt('bandwidth_poll_interval',
               default=600, min=0,
               help="""
Seconds between two polls of the instances' network traffic.

Possible values:

* 0: never poll.
"""),
    cfg.StrOpt('availability_zone',
               help="""
Availability zone of this nova-compute's host.

The zone is recorded on the host's compute nodes; the host scheduler
places an instance that asks for a zone on hosts of that zone only, and an
instance that asks for none takes the zone of the host it lands on.

Possible values:

* Unset: ``default_availability_zone``.
* A zone name.

Related options:

* ``default_availability_zone``
"""),
    cfg.BoolOpt('allow_resize_to_same_host',
                default=False,
                help="""
Allow a resize to pick the host the instance is on.

Useful in single-host cells and tests; otherwise the host scheduler looks
for another host of the cell.

Possible values:

* False: a resize moves the instance to another host.
* True: the current host may be chosen when the new flavor fits there.
"""),
    cfg.IntOpt('shelved_offload_time',
               default=0, min=-1,
               help="""
Seconds a shelved instance keeps its host before it is offloaded.

An offloaded instance frees its host's resources; unshelving it schedules
it again.

Possible values:

* -1: never offload.
* 0: offload at once, when the shelve completes.
* A positive number: offload after that many seconds (checked every
  ``shelved_poll_interval``).

Related options:

* ``shelved_poll_interval``
"""),
    cfg.IntOpt('shelved_poll_interval',
               default=3600, min=-1,
               help="""
Seconds between two checks for shelved instances to offload.

Possible values:

* -1: never check.
* A positive number of seconds.

Related options:

* ``shelved_offload_time``
"""),
    cfg.IntOpt('reclaim_instance_interval',
               default=0, min=0,
               help="""
Seconds a deleted server is kept, soft-deleted, before it is reclaimed.

When positive, ``DELETE /servers/{id}`` powers the server off and leaves
it in the ``SOFT_DELETED`` state, from which ``restore`` brings it back
and ``forceDelete`` deletes it at once.  A periodic task of each
nova-compute deletes, every that many seconds, the soft-deleted servers
of its host that are older than this.  A soft-deleted server does not
count against its project's quota; restoring it needs room in the quota
again.

In a cells deployment the API cell's value decides whether a delete is
soft, and each child cell's value when its hosts reclaim: set it alike in
every cell.

Possible values:

* 0: delete servers at once (no soft delete).
* A positive number of seconds.
"""),
    cfg.ListOpt('non_inheritable_image_properties',
                default=['cache_in_nova', 'bittorrent'],
                help="""
Image properties a snapshot does not inherit from its instance's image.
"""),
]

fake_opts = [
    cfg.ListOpt('nodes',
                default=[],
                help="""
Names of the hypervisor nodes this nova-compute simulates.

Possible values:

* Empty: one node named after ``[DEFAULT] host``.
"""),
    cfg.IntOpt('vcpus', default=16, min=1,
               help='vCPUs of each simulated node.'),
    cfg.IntOpt('memory_mb', default=32768, min=1,
               help='RAM in MiB of each simulated node.'),
    cfg.IntOpt('local_gb', default=1000, min=1,
               help='Local disk in GiB of each simulated node.'),
    cfg.FloatOpt('spawn_delay', default=0.0, min=0.0,
                 help='Seconds a simulated spawn takes.'),
    cfg.FloatOpt('action_delay', default=0.0, min=0.0,
                 help="""
Seconds every other simulated operation takes (reboot, power off and on,
pause, suspend, rescue, snapshot, resize steps).

A failure of one operation on one instance can be simulated with the
instance metadata key ``fake:fail``, a comma-separated list of operation
names (``reboot``, ``power_off``, ``snapshot``, ...).
"""),
    cfg.BoolOpt('fail_spawn', default=False,
                help="""
Make every simulated spawn fail.

For tests of rescheduling; a single build can also be made to fail with the
flavor extra spec ``fake:spawn_fail=true`` or an image id starting with
``fail-``.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(compute_opts)
    register_group_opts(conf, fake_group, fake_opts)


def list_opts():
    return [('DEFAULT', compute_opts), (fake_group.name, fake_opts)]
