"""Dev launcher: a whole cells tree as separate daemons on RabbitMQ + MariaDB.

What it builds by default (``--children 2``)::

            api          nova-api + nova-cells              DB <prefix>_api
           /    \\
       cell1    cell2    nova-cells, nova-scheduler,         DB <prefix>_cellN
                         nova-network, 2 x nova-compute

Any tree can be asked for with ``--tree``: ``PARENT:CHILD,CHILD`` pairs
separated by ``;``, e.g. ``--tree 'api:cell1,cell2;cell1:gc1'``::

            api          nova-api + nova-cells
           /    \\
       cell1    cell2    cell1: nova-cells only (a middle cell)
         |               cell2: nova-cells + scheduler, network, computes
        gc1              gc1:   nova-cells + scheduler, network, computes

The root (the one cell that is nobody's child) is the API cell.  A cell
name may carry ``=N``, the number of compute hosts it runs (wherever the
name appears, once): a leaf cell runs ``--computes`` hosts (default 2)
unless told otherwise, a middle cell (a cell with children) runs none and
only nova-cells unless given some, e.g. ``'api:cell1=1;cell1:gc1=3'``.
A cell that runs compute hosts also runs nova-scheduler and nova-network
and gets its own ``[network] fixed_range`` (``10.<n>.0.0/24``).  Every
cell below the API cell has ``[cells] cell_type = compute``; its
``cells`` table lists its parent (``--cell_type parent``) and its
children (``--cell_type child``).  Names: a letter, then letters, digits
or ``_``, at most 23 characters.

Every cell gets its own RabbitMQ virtual host and its own MariaDB
database, both named ``<prefix>_<cell>``; one configuration file per cell
(and one small override per compute host) is written into the work
directory, the schemas are synced and the ``cells`` tables filled with
``nova-manage``, then the daemons are started, each in its own process
group with its log in ``<workdir>/logs``: first everything but nova-cells,
then nova-cells level by level from the top, each level once the level
above consumes its inter-cell queues, so that every first capacity report
reaches a listening parent.  The pids and everything created are recorded
in ``<workdir>/launcher-state.json`` so that ``down`` stops exactly those
processes and drops exactly those databases and vhosts.

Command line (from the repository root; ``tools/launch`` runs
``python -m nova.tools.launcher`` in the repository's virtualenv)::

    tools/launch up      [--prefix P] [--workdir D]
                         [--children N | --tree T]
                         [--computes N] [--api-port N]
                         [--set SECTION.OPTION=VALUE]
                         [--auth keystone [--images glance]]
    tools/launch status  [--prefix P] [--workdir D]
    tools/launch kill    NAME [--signal KILL] [...]
    tools/launch restart NAME [--prefix P] [...]
    tools/launch down    [--prefix P] [--workdir D] [--keep]

``--auth keystone`` and ``--images glance`` run the real keystone and
Glance beside the tree (:mod:`.neighbours`, installed once into
``.venvs/`` by :mod:`.venvs`) and write ``<workdir>/clouds.yaml``.
``--set`` adds an option to every cell's nova.conf (e.g.
``--set cells.heal_interval=2``).  ``kill`` signals one daemon by its
recorded pid and waits until it is gone; ``restart`` starts it again
with the same command line (stopping it first if it runs).

From Python (the real tests do this)::

    deployment = Deployment(workdir, prefix='demo',
                            tree='api:cell1;cell1:gc1')   # or children=2
    deployment.up()                 # returns once every service reported
    deployment.api_url              # 'http://127.0.0.1:<port>'
    deployment.query('gc1', 'SELECT uuid FROM instances')
    deployment.kill('cell1-cells')  # SIGKILL by recorded pid, then
    deployment.restart('cell1-cells')   # the same command line again
    deployment.start_service('cell1', 'scheduler', 'cell1-extra',
                             {'DEFAULT': {'host': 'extra'}})  # one more
    deployment.stop('cell1-extra')  # SIGTERM, and forget it
    deployment.down()

Faults inside one cell (its broker or database connections) are
``tools/faults.py`` (:mod:`nova.tools.faults`).

The parts: :mod:`.plan` (the tree and what runs where), :mod:`.backends`
(RabbitMQ vhosts and MariaDB databases), :mod:`.config` (the nova.conf
files), :mod:`.supervisor` (processes, pids, logs), :mod:`.readiness`
(what ``up`` waits for), :mod:`.neighbours` (keystone and Glance),
:mod:`.deployment` (all of it, up to down) and
:mod:`.cli` (the command line).  What they offer the tests and the other
tools is re-exported here.

Processes are only ever signalled by the pid recorded when they were
started, and only while ``/proc`` still shows the same process (same start
time), never by name.  Passwords and transport URLs are never printed:
the configuration files hold them, readable by their owner only.
Requires Linux (``/proc``), ``rabbitmqctl`` on the PATH and a MariaDB
where root logs in over TCP without a password (``tools/setup-services``).
"""

from nova.tools.launcher.backends import Backends
from nova.tools.launcher.cli import default_workdir
from nova.tools.launcher.cli import main
from nova.tools.launcher.config import REPORT_INTERVAL
from nova.tools.launcher.config import Overrides
from nova.tools.launcher.config import ini_value
from nova.tools.launcher.config import parse_overrides
from nova.tools.launcher.config import write_private
from nova.tools.launcher.deployment import DEFAULT_PREFIX
from nova.tools.launcher.deployment import STATE_FILE
from nova.tools.launcher.deployment import Deployment
from nova.tools.launcher.errors import LauncherError
from nova.tools.launcher.plan import INTERCELL_QUEUES
from nova.tools.launcher.plan import CellPlan
from nova.tools.launcher.plan import TreeCell
from nova.tools.launcher.plan import default_tree
from nova.tools.launcher.plan import format_tree
from nova.tools.launcher.plan import parse_tree
from nova.tools.launcher.supervisor import ManagedProcess
from nova.tools.launcher.supervisor import free_port
from nova.tools.launcher.supervisor import tail

__all__ = [
    'DEFAULT_PREFIX', 'INTERCELL_QUEUES', 'REPORT_INTERVAL', 'STATE_FILE',
    'Backends', 'CellPlan', 'Deployment', 'LauncherError', 'ManagedProcess',
    'Overrides', 'TreeCell', 'default_tree', 'default_workdir', 'format_tree',
    'free_port', 'ini_value', 'main', 'parse_overrides', 'parse_tree', 'tail',
    'write_private',
]
