"""[cells] options: this cell's place in the tree and how nova-cells works."""

from oslo_config import cfg

from nova import exception
from nova.conf._utils import register_group_opts

cells_group = cfg.OptGroup('cells', title='Cells options', help="""
Cells v1: a tree of cells, each with its own database and broker, joined by
their nova-cells services.
""")

cells_opts = [
    cfg.BoolOpt('enable',
                default=False,
                help="""
Enable cell functionality.

When enabled, this cell's services forward instance changes to nova-cells
(child cells) or forward compute API calls to it (API cell).

Related options:

* ``name``, ``cell_type``; the API cell also sets
  ``[DEFAULT] compute_api_class``.
"""),
    cfg.StrOpt('name',
               default='nova',
               regex=r'^[^!@.\s]+$',
               help="""
Name of this cell.

Must be unique among the neighbours of each of this cell's neighbours. A
routing path joins names with ``!``, so the name may not contain ``!``,
``@``, ``.`` or white space.
"""),
    cfg.StrOpt('cell_type',
               default='compute',
               choices=[('api', 'The top cell: runs nova-api, holds the '
                         'replica of every instance.'),
                        ('compute', 'A cell that runs instances or has '
                         'children that do.')],
               help="""
Type of this cell.

Related options:

* ``[DEFAULT] compute_api_class`` must be
  ``nova.compute.cells_api.ComputeCellsAPI`` in an API cell.
"""),
    cfg.ListOpt('capabilities',
                default=['hypervisor=fake', 'os=linux'],
                help="""
Capabilities this cell advertises to its parents.

Possible values:

* A list of ``key=value1;value2`` entries.
"""),
    cfg.StrOpt('topic',
               default='cells',
               help="""
RPC topic the nova-cells service listens on inside its own cell.
"""),
    cfg.IntOpt('call_timeout',
               default=60, min=1,
               help="""
Seconds to wait for a response from another cell.

Related options:

* ``max_hop_count``
"""),
    cfg.IntOpt('max_hop_count',
               default=10, min=1, max=100,
               help="""
Largest number of hops a message may make before it is dropped as looping.
"""),
    cfg.IntOpt('max_messages_per_publish',
               default=50, min=1, max=1000,
               help="""
Most inter-cell messages to one neighbour that one broker message carries.

While this nova-cells publishes a message to a neighbour, the messages
that its other threads route to that neighbour meanwhile wait, and the
next publish carries them together, in their order: a burst crossing a
cell costs a few publishes instead of one per message.  A message alone
still goes at once, on its own.  Each sender returns once its message is
published, or gets the publish error, as with single messages.

Possible values:

* 1: every message goes on its own, as in cells v1.  A tree in which
  some nova-cells predate version 1.1 of the inter-cell protocol (which
  carries several messages) needs 1 until they are upgraded.
"""),
    cfg.FloatOpt('reserve_percent',
                 default=10.0, min=0.0, max=100.0,
                 help="""
Percentage of a cell's free RAM and disk kept out of its advertised
capacity.
"""),
    cfg.IntOpt('mute_child_interval',
               default=300, min=1,
               help="""
Seconds without an update after which a child cell counts as mute.
"""),
    cfg.IntOpt('db_check_interval',
               default=60, min=1,
               help="""
Seconds between two reloads of the neighbour cells from the ``cells``
table (or the ``cells_config`` file).
"""),
    cfg.StrOpt('cells_config',
               help="""
Path of a JSON file describing the neighbour cells.

When set, neighbours are read from this file instead of the ``cells``
table.  The file maps each cell name to an object with ``name``,
``transport_url``, ``is_parent`` (bool), ``weight_offset`` and
``weight_scale``.

Related options:

* ``db_check_interval``
"""),
    cfg.IntOpt('capacity_update_interval',
               default=10, min=1,
               help="""
Seconds between two broadcasts of this cell's capabilities and capacities
to its parents.
"""),
    cfg.IntOpt('instance_updated_at_threshold',
               default=3600, min=1,
               help="""
Seconds back in time the heal task looks for changed instances.

Every instance of this cell created, changed or deleted within this window
is re-sent to the top, a page at a time, so that an update lost on the way
is repaired.

Related options:

* ``heal_interval``, ``instance_update_num_instances``,
  ``instance_update_sync_database_limit``
"""),
    cfg.FloatOpt('instance_update_batch_delay',
                 default=0.05, min=0.0, max=5.0,
                 help="""
Seconds between two messages of changes (instance updates, actions and
their events) a child cell's nova-cells sends up.

A change that comes when none was sent for this long goes at once
(unless ``instance_update_batch_hold`` lets it wait); the ones that
follow wait for the rest of this delay and go together, in one message.
Each update carries the whole instance, so only the newest of several
updates to one instance travels: a burst of builds costs the parents a
few messages and database transactions instead of one per change.

Possible values:

* 0: send every update up on its own, as it comes.

Related options:

* ``instance_update_batch_hold``
"""),
    cfg.FloatOpt('instance_update_batch_hold',
                 default=1.0, min=0.0, max=60.0,
                 help="""
Seconds a change no client waits for may be held back in a child cell so
that later changes travel up with it.

Such changes are the updates of an instance whose task is still in
progress (a build before it is ACTIVE or ERROR, a resize before it
settles) and instance actions and their events.  An update that ends a
task (the instance's task state back to none) goes as soon as
``instance_update_batch_delay`` allows and takes every held change along,
so the steps of a build mostly reach the parents as one update: its last.
The parents see a task's intermediate states up to this much later.  The
cell's other services (compute, scheduler, network) hold the same changes
before they cast them to its nova-cells.

Possible values:

* 0: hold nothing; every change goes within
  ``instance_update_batch_delay``.

Related options:

* ``instance_update_batch_delay``
"""),
    cfg.IntOpt('instance_update_num_instances',
               default=500, min=1,
               help="""
Instances the heal task re-sends to the top per run, at most.

Related options:

* ``heal_interval``: the time between two runs; together they set the
  rate.
"""),
    cfg.IntOpt('instance_update_sync_database_limit',
               default=100, min=1,
               help="""
Instances the heal task (and a forced sync) reads from the database at a
time: memory stays bounded whatever the number of instances.
"""),
    cfg.FloatOpt('heal_interval',
                 default=60.0, min=0.1,
                 help="""
Seconds between two runs of the heal task.

It also paces the build keeper (nova.cells.builds), which looks every
``heal_interval / 2`` seconds for builds that have not changed for
``heal_interval`` and have them finished: a build lost to a crash, a cut
or a refused write ends ACTIVE or ERROR within about two intervals.

Related options:

* ``instance_build_timeout``: the last resort for a build nobody ends.
"""),
    cfg.IntOpt('instance_build_timeout',
               default=3600, min=0,
               help="""
Seconds an instance may stay in the building state before it is put in
ERROR with a fault.

Possible values:

* 0: never time builds out.
"""),
    cfg.IntOpt('scheduler_retries',
               default=10, min=0,
               help="""
How many times the cell scheduler retries when no cell can take a build.

Related options:

* ``scheduler_retry_delay``
"""),
    cfg.FloatOpt('scheduler_retry_delay',
                 default=2.0, min=0.0,
                 help="""
Seconds between two attempts of the cell scheduler.
"""),
    cfg.ListOpt('scheduler_filter_classes',
                default=['nova.cells.filters.all_filters'],
                help="""
Filters the cell scheduler uses.

Possible values:

* Full class names of cell filters, or of functions returning a list of
  them; ``nova.cells.filters.all_filters`` is every filter shipped.

Related options:

* ``scheduler_weight_classes``
"""),
    cfg.ListOpt('scheduler_weight_classes',
                default=['nova.cells.weights.all_weighers'],
                help="""
Weighers the cell scheduler uses.

Possible values:

* Full class names of cell weighers, or of functions returning a list of
  them; ``nova.cells.weights.all_weighers`` is every weigher shipped.

Related options:

* ``ram_weight_multiplier``, ``offset_weight_multiplier``,
  ``mute_weight_multiplier``, ``server_group_weight_multiplier``
"""),
    cfg.FloatOpt('ram_weight_multiplier',
                 default=10.0,
                 help="""
Multiplier of the free-RAM weigher.

Possible values:

* A positive number spreads builds over the cells with the most room for
  the flavor; a negative one stacks them.
"""),
    cfg.FloatOpt('offset_weight_multiplier',
                 default=1.0,
                 help="""
Multiplier of the weight-offset weigher (a cell's ``weight_offset``).
"""),
    cfg.FloatOpt('server_group_weight_multiplier',
                 default=100.0,
                 help="""
Multiplier of the server group weigher (soft policies).

A member of a soft-affinity group prefers the cells holding more of its
group's members, one of a soft-anti-affinity group those holding fewer.

Possible values:

* A positive number (the default outweighs the free-RAM weigher, so a
  soft-affinity group stays in one cell while it has room).
* 0 ignores soft policies when choosing a cell (hosts still weigh them).

Related options:

* ``ram_weight_multiplier``
"""),
    cfg.FloatOpt('mute_weight_multiplier',
                 default=-10000.0,
                 max=0.0,
                 help="""
Multiplier of the mute-child weigher: a mute cell gets this weight.

Related options:

* ``mute_child_interval``
"""),
    cfg.IntOpt('rpc_thread_pool_size',
               default=64, min=1,
               help="""
Threads nova-cells uses to handle messages.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, cells_group, cells_opts)


def list_opts():
    return [(cells_group.name, cells_opts)]


def parse_capabilities(entries: list[str]) -> dict[str, set[str]]:
    """``['hypervisor=kvm;xen', 'os=linux']`` -> {key: {values}}."""
    caps: dict[str, set[str]] = {}
    for entry in entries:
        key, sep, values = entry.partition('=')
        if not sep or not key.strip():
            raise exception.InvalidCellConfig(
                reason='capability %r is not key=value1;value2' % entry)
        caps.setdefault(key.strip(), set()).update(
            v.strip() for v in values.split(';') if v.strip())
    return caps
