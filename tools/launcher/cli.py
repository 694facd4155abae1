"""``tools/launch``: the launcher's command line.

``up``, ``status``, ``kill``, ``restart`` and ``down`` of one deployment,
found by its work directory (by default one per ``--prefix`` under the
temporary directory).  See :mod:`nova.tools.launcher` for what ``up``
builds.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
import os
import signal
import sys
import tempfile

from nova.tools.launcher.config import parse_overrides
from nova.tools.launcher.deployment import AUTH_CHOICES
from nova.tools.launcher.deployment import DEFAULT_PREFIX
from nova.tools.launcher.deployment import IMAGE_CHOICES
from nova.tools.launcher.deployment import Deployment
from nova.tools.launcher.errors import LauncherError

TREE_HELP = """\
Tree syntax (--tree): PARENT:CHILD[,CHILD...] entries joined by ';', e.g.
  'api:cell1,cell2;cell1:gc1'   api above cell1 and cell2; gc1 below cell1
The one cell that is nobody's child is the API cell (nova-api, nova-cells).
NAME=N gives a cell N compute hosts (once, wherever the name appears):
  'api:cell1=1;cell1:gc1=3'     cell1 runs 1 host of its own, gc1 3
Without =N a leaf cell runs --computes hosts and a middle cell (one with
children) runs nova-cells only.  A cell with compute hosts also runs
nova-scheduler and nova-network and gets its own [network] fixed_range.
--children N is short for --tree 'api:cella,cellb,...' (N cells).
"""


def default_workdir(prefix: str) -> str:
    """Where a deployment of ``prefix`` lives unless told otherwise."""
    return os.path.join(tempfile.gettempdir(), f'nova-launcher-{prefix}')


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='tools/launch', description='Run a cells tree as separate '
        'daemons on RabbitMQ and MariaDB.', epilog=TREE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('action', choices=('up', 'down', 'status', 'kill',
                                           'restart'))
    parser.add_argument('daemon', nargs='?',
                        help='the daemon to kill or restart, as status '
                        "names it (e.g. 'cell1-cells')")
    parser.add_argument('--prefix', default=DEFAULT_PREFIX,
                        help='names the databases and vhosts '
                        f'<prefix>_<cell> (default {DEFAULT_PREFIX})')
    parser.add_argument('--workdir', help='configs, logs and state '
                        '(default: <tmp>/nova-launcher-<prefix>)')
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument('--children', type=int,
                       help='number of child cells below the API cell '
                       '(up; default 2)')
    shape.add_argument('--tree', help="any tree, e.g. 'api:cell1,cell2;"
                       "cell1:gc1' (up; see below)")
    parser.add_argument('--computes', type=int, default=2,
                        help='compute hosts of each leaf cell unless the '
                        'tree says otherwise (up; default 2)')
    parser.add_argument('--api-port', type=int, default=0,
                        help='nova-api port (up; default: a free one)')
    parser.add_argument('--timeout', type=float, default=180.0,
                        help='seconds to wait for readiness (up)')
    parser.add_argument('--debug', action='store_true',
                        help='debug logging in the daemons (up)')
    parser.add_argument('--set', action='append', default=[],
                        metavar='SECTION.OPTION=VALUE', dest='overrides',
                        help='an extra option in every cell\'s nova.conf, '
                        "e.g. 'cells.heal_interval=2' (up; repeatable)")
    parser.add_argument('--auth', choices=AUTH_CHOICES,
                        default='noauth2',
                        help='keystone: run keystone (installed from the '
                        'package index into .venvs/keystone once) and '
                        'nova-api behind it; writes <workdir>/clouds.yaml '
                        '(up; default noauth2)')
    parser.add_argument('--images', choices=IMAGE_CHOICES,
                        default='registry',
                        help='glance: run Glance (.venvs/glance) as the '
                        'image service, with an image "cirros"; needs '
                        '--auth keystone (up; default the API cell\'s '
                        'registry)')
    parser.add_argument('--rabbit-nodes', type=int, default=0,
                        help='start this many RabbitMQ nodes of the '
                        "deployment's own and spread the cells' vhosts "
                        'over them (up; default 0: the system node)')
    parser.add_argument('--all-in-one', action='store_true',
                        help='run all the services of a cell with compute '
                        'hosts in one nova-all process (up; a bench and '
                        'development mode)')
    parser.add_argument('--signal', default='KILL',
                        help='signal name for kill (default KILL)')
    parser.add_argument('--keep', action='store_true',
                        help='keep the databases and vhosts (down)')
    return parser


def print_status(deployment: Deployment) -> int:
    """Print the tree and its daemons; 0 if every daemon runs."""
    rows = deployment.status()
    print(f'deployment {deployment.prefix} in {deployment.workdir}')
    print(f'API: {deployment.api_url}')
    if deployment.auth == 'keystone':
        print(f'keystone: http://127.0.0.1:{deployment.keystone_port}/v3'
              + (f', Glance: http://127.0.0.1:{deployment.glance_port}'
                 if deployment.images == 'glance' else ''))
        print(f'cloud {deployment.prefix}: export OS_CLIENT_CONFIG_FILE='
              f'{deployment.clouds_yaml}')
    print(f'tree: {deployment.tree}')
    for plan in deployment.cells:
        hosts = (f', compute hosts {plan.fixed_range}: '
                 + ' '.join(plan.compute_hosts)) if plan.compute_hosts else ''
        print(f"{'  ' * plan.level}{plan.role} "
              f'{deployment.cell_path(plan.name)}: database '
              f'{plan.database}, vhost {plan.vhost}{hosts}')
    width = max([len(p.name) for p, _ in rows] + [4])
    for proc, alive in rows:
        print(f"  {proc.name.ljust(width)}  pid {proc.pid:<8} "
              f"{'alive' if alive else 'DEAD '}  {proc.log}")
    if not rows:
        print('  no processes recorded')
    return 0 if all(alive for _, alive in rows) else 1


def signal_number(name: str) -> int:
    """``KILL``, ``SIGKILL`` or ``kill`` as a signal number."""
    name = name.upper()
    try:
        return int(signal.Signals[name if name.startswith('SIG')
                                  else 'SIG' + name])
    except KeyError:
        raise LauncherError(f'unknown signal {name!r}') from None


def _up(args: argparse.Namespace, workdir: str) -> int:
    deployment = Deployment(workdir, prefix=args.prefix,
                            children=args.children, tree=args.tree,
                            api_port=args.api_port,
                            computes_per_cell=args.computes,
                            debug=args.debug,
                            overrides=parse_overrides(args.overrides),
                            auth=args.auth, images=args.images,
                            rabbit_nodes=args.rabbit_nodes,
                            all_in_one=args.all_in_one)
    try:
        deployment.up(timeout=args.timeout)
    except BaseException:
        if (deployment.processes or deployment.created_databases
                or deployment.created_vhosts or deployment.brokers.nodes):
            print(f'up failed; logs are in {workdir}/logs. Run '
                  f"'down' to remove what it started and created.",
                  file=sys.stderr)
        raise
    return print_status(deployment)


def _one_daemon(args: argparse.Namespace, deployment: Deployment) -> int:
    if not args.daemon:
        raise LauncherError(f'{args.action} needs the name of a '
                            "daemon (see 'status')")
    if args.action == 'kill':
        signum = signal_number(args.signal)
        proc = deployment.kill(args.daemon, signum)
        print(f'{proc.name} (pid {proc.pid}) is gone after '
              f'{signal.Signals(signum).name}')
    else:
        proc = deployment.restart(args.daemon)
        print(f'{proc.name} restarted: pid {proc.pid}')
    return 0


def main(argv: Iterable[str] | None = None) -> int:
    """Run one action of the command line; the exit status."""
    args = build_parser().parse_args(
        list(sys.argv[1:] if argv is None else argv))
    workdir = args.workdir or default_workdir(args.prefix)
    try:
        if args.action == 'up':
            return _up(args, workdir)
        deployment = Deployment.load(workdir)
        if args.action == 'status':
            return print_status(deployment)
        if args.action in ('kill', 'restart'):
            return _one_daemon(args, deployment)
        deployment.down(keep=args.keep)
        print(f'deployment {deployment.prefix} is down'
              + (' (databases and vhosts kept)' if args.keep else ''))
        return 0
    except LauncherError as exc:
        print(f'launcher: error: {exc}', file=sys.stderr)
        return 1
