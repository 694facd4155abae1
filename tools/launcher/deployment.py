"""A deployment: one cells tree of separate daemons, from up to down.

:class:`Deployment` ties the parts together: it plans the cells
(:mod:`.plan`), creates their vhosts and databases (:mod:`.backends`),
writes their configuration (:mod:`.config`), fills the schemas and
``cells`` tables with ``nova-manage``, starts the daemons in an order
that loses no first capacity report (:mod:`.supervisor`), waits until
every service has reported, and records all it did in
``<workdir>/launcher-state.json`` so that a later ``down`` removes
exactly that.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
import concurrent.futures
import dataclasses
import functools
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from nova.tools.launcher import brokers
from nova.tools.launcher import config
from nova.tools.launcher import neighbours
from nova.tools.launcher import readiness
from nova.tools.launcher.backends import Backends
from nova.tools.launcher.errors import LauncherError
from nova.tools.launcher.plan import MAX_CELLS
from nova.tools.launcher.plan import MAX_COMPUTES
from nova.tools.launcher.plan import MAX_RABBIT_NODES
from nova.tools.launcher.plan import NAME_RE
from nova.tools.launcher.plan import CellPlan
from nova.tools.launcher.plan import default_tree
from nova.tools.launcher.plan import format_tree
from nova.tools.launcher.plan import parse_tree
from nova.tools.launcher.plan import plan_cells
from nova.tools.launcher.supervisor import ManagedProcess
from nova.tools.launcher.supervisor import Supervisor
from nova.tools.launcher.supervisor import free_port
from nova.tools.launcher.supervisor import tail

STATE_FILE = 'launcher-state.json'
DEFAULT_PREFIX = 'novadev'
AUTH_CHOICES = ('noauth2', 'keystone')
IMAGE_CHOICES = ('registry', 'glance')
CLOUDS_FILE = 'clouds.yaml'
# What the neighbours keep in the work directory; down removes it.
NEIGHBOUR_FILES = ('keystone', 'glance', neighbours.SECRETS_FILE,
                   CLOUDS_FILE)


class Deployment:
    """A cells tree of separate daemons, recorded in ``workdir``.

    The tree is ``tree`` (a ``--tree`` spec, see :mod:`nova.tools.launcher`)
    or else an API cell above ``children`` (default 2) child cells; a leaf
    cell runs ``computes_per_cell`` compute hosts unless the spec says
    otherwise.  ``overrides`` (section -> option -> value) go into every
    cell's configuration file after the launcher's own settings.
    ``auth='keystone'`` runs keystone and nova-api behind it;
    ``images='glance'`` (which needs keystone) runs Glance as the image
    service (see :mod:`.neighbours`).
    """

    def __init__(self, workdir: str | os.PathLike[str],
                 prefix: str = DEFAULT_PREFIX, children: int | None = None,
                 api_port: int = 0, computes_per_cell: int = 2,
                 backends: Backends | None = None,
                 bin_dir: str | None = None, debug: bool = False,
                 out: Callable[[str], None] | None = None,
                 tree: str | None = None,
                 overrides: config.Overrides | None = None,
                 auth: str = 'noauth2', images: str = 'registry',
                 rabbit_nodes: int = 0, all_in_one: bool = False) -> None:
        if not NAME_RE.match(prefix):
            raise LauncherError('the prefix must start with a letter and '
                                'hold only letters, digits and _ (at most '
                                f'40): {prefix!r}')
        if tree is not None and children is not None:
            raise LauncherError('give either a tree or a number of '
                                'children, not both')
        if tree is None:
            children = 2 if children is None else children
            if not 1 <= children <= MAX_CELLS:
                raise LauncherError(
                    f'--children must be between 1 and {MAX_CELLS}')
            tree = default_tree(children)
        if auth not in AUTH_CHOICES or images not in IMAGE_CHOICES:
            raise LauncherError(f'--auth is one of {AUTH_CHOICES}, '
                                f'--images one of {IMAGE_CHOICES}')
        if images == 'glance' and auth != 'keystone':
            raise LauncherError('--images glance needs --auth keystone '
                                '(Glance checks keystone tokens)')
        if not 0 <= rabbit_nodes <= MAX_RABBIT_NODES:
            raise LauncherError('--rabbit-nodes must be between 0 and '
                                f'{MAX_RABBIT_NODES}')
        if not 0 <= computes_per_cell <= MAX_COMPUTES:
            raise LauncherError(
                f'--computes must be between 0 and {MAX_COMPUTES}')
        self.workdir = pathlib.Path(workdir).absolute()
        self.prefix = prefix
        self.computes_per_cell = computes_per_cell
        self.tree = format_tree(parse_tree(tree, computes_per_cell))
        self.api_port = api_port
        self.auth = auth
        self.images = images
        self.keystone_port = 0
        self.glance_port = 0
        self._token: str | None = None
        self.backends = backends or Backends()
        self.bin_dir = bin_dir or os.path.dirname(sys.executable)
        self.debug = debug
        self.overrides: config.Overrides = {
            section: dict(options)
            for section, options in (overrides or {}).items()}
        self.out = out or (lambda line: print(line, flush=True))
        self.cells: list[CellPlan] = plan_cells(self.tree, prefix,
                                                self.workdir / 'etc')
        self.supervisor = Supervisor(self.workdir, self.save_state,
                                     self.out)
        # What this deployment created and must remove again.
        self.created_databases: list[str] = []
        self.created_vhosts: list[str] = []
        # RabbitMQ nodes of its own (0: every vhost on the system node).
        self.rabbit_nodes = rabbit_nodes
        self.brokers = brokers.NodeSet(prefix, self.save_state, self.out)
        # A cell with compute hosts runs all its services in one nova-all
        # process (a bench and development mode: see _spawn_cell).
        self.all_in_one = all_in_one
        # Seconds each step of the last up() took.
        self.timings: dict[str, float] = {}

    # -- public views ------------------------------------------------------

    @property
    def processes(self) -> list[ManagedProcess]:
        """The recorded daemons, in the order they were started."""
        return self.supervisor.processes

    @property
    def api_url(self) -> str:
        return f'http://127.0.0.1:{self.api_port}'

    @property
    def identity(self) -> neighbours.Identity | None:
        """keystone's URL and passwords (``--auth keystone``)."""
        return neighbours.Identity.load(self.workdir)

    @property
    def clouds_yaml(self) -> pathlib.Path:
        return self.workdir / CLOUDS_FILE

    def api_token(self) -> str:
        """A token of an administrator that nova-api accepts."""
        if self.auth != 'keystone':
            return readiness.ADMIN_TOKEN
        if self._token is None:
            identity = self.identity
            if identity is None:
                raise LauncherError('keystone was not set up')
            self._token = identity.token()
        return self._token

    def cell_backends(self, plan: CellPlan) -> Backends:
        """Where ``plan``'s vhost lives: on the node of the deployment's
        own that holds it, else on the system RabbitMQ."""
        for node in self.brokers.nodes:
            if plan.vhost in node.vhosts:
                return self.node_backends()[node.name]
        return self.backends

    def node_backends(self) -> dict[str, Backends]:
        """Node name -> where that node of the deployment's own listens
        (its ``rabbitmqctl`` aimed at it)."""
        return {node.name: dataclasses.replace(
            self.backends, rabbit_host='127.0.0.1', rabbit_port=node.port,
            rabbit_node=node.name, rabbit_home=node.home)
            for node in self.brokers.nodes}

    @property
    def databases(self) -> dict[str, str]:
        """Cell name -> SQLAlchemy URL of its database."""
        return {c.name: self.backends.database_url(c.database)
                for c in self.cells}

    @property
    def database_names(self) -> dict[str, str]:
        return {c.name: c.database for c in self.cells}

    @property
    def vhosts(self) -> dict[str, str]:
        return {c.name: c.vhost for c in self.cells}

    @property
    def state_file(self) -> pathlib.Path:
        return self.workdir / STATE_FILE

    @property
    def api_cell(self) -> CellPlan:
        """The root of the tree, which runs nova-api."""
        return self.cells[0]

    @property
    def depth(self) -> int:
        """Number of levels: 2 for an API cell above leaf cells."""
        return max(plan.level for plan in self.cells) + 1

    def cell_path(self, name: str) -> str:
        """The routing path of a cell from the top, e.g. 'api!cell1!gc1'
        (through its first parent, when it has several)."""
        path = [name]
        while (parent := self.cell(path[-1]).parent) is not None:
            path.append(parent)
        return '!'.join(reversed(path))

    def level(self, level: int) -> list[CellPlan]:
        return [plan for plan in self.cells if plan.level == level]

    def cell(self, name: str) -> CellPlan:
        for plan in self.cells:
            if plan.name == name:
                return plan
        raise KeyError(name)

    def query(self, cell: str, sql: str,
              params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read-only statement against a cell's database."""
        conn = self.backends.connect(self.cell(cell).database)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, tuple(params))
                return list(cursor.fetchall())
        finally:
            conn.close()

    def log_tail(self, proc: ManagedProcess, lines: int = 40) -> str:
        return tail(proc.log, lines)

    def dead_processes(self) -> list[ManagedProcess]:
        return self.supervisor.dead()

    def status(self) -> list[tuple[ManagedProcess, bool]]:
        """Each recorded daemon and whether it still runs."""
        dead = {id(p) for p in self.dead_processes()}
        return [(p, id(p) not in dead) for p in self.processes]

    def leftovers(self) -> list[str]:
        """What of this deployment still runs or exists (after ``down``,
        nothing should)."""
        left = [f'process {p.name} (pid {p.pid})' for p in self.processes
                if p.is_alive()]
        names = list(self.database_names.values())
        if self.auth == 'keystone':
            names.append(f'{self.prefix}_keystone')
        if self.images == 'glance':
            names.append(f'{self.prefix}_glance')
        for name in names:
            if self.backends.database_exists(name):
                left.append(f'database {name}')
        left += self.brokers.leftovers()
        vhosts = set() if self.rabbit_nodes else self.backends.list_vhosts()
        left += [f'file {self.workdir / name}' for name in NEIGHBOUR_FILES
                 if (self.workdir / name).exists()]
        return left + [f'vhost {v}' for v in self.vhosts.values()
                       if v in vhosts]

    # -- state file --------------------------------------------------------

    def save_state(self) -> None:
        state = {
            'prefix': self.prefix, 'tree': self.tree,
            'computes_per_cell': self.computes_per_cell,
            'api_port': self.api_port,
            'auth': self.auth, 'images': self.images,
            'keystone_port': self.keystone_port,
            'glance_port': self.glance_port,
            'overrides': self.overrides,
            'created_databases': self.created_databases,
            'created_vhosts': self.created_vhosts,
            'rabbit_nodes': self.rabbit_nodes,
            'brokers': self.brokers.state(),
            'all_in_one': self.all_in_one,
            'processes': [dataclasses.asdict(p) for p in self.processes],
        }
        self.workdir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix('.tmp')
        tmp.write_text(json.dumps(state, indent=2) + '\n')
        tmp.replace(self.state_file)

    @classmethod
    def load(cls, workdir: str | os.PathLike[str],
             backends: Backends | None = None,
             out: Callable[[str], None] | None = None) -> Deployment:
        """The deployment recorded in ``workdir`` by an earlier ``up``."""
        path = pathlib.Path(workdir).absolute() / STATE_FILE
        try:
            state = json.loads(path.read_text())
        except FileNotFoundError:
            raise LauncherError(f'no deployment recorded in {workdir} '
                                f'(no {STATE_FILE})') from None
        except ValueError as exc:
            raise LauncherError(f'{path} is corrupt: {exc}') from exc
        # A state file of the launcher before --tree has 'children'.
        tree = state.get('tree') or default_tree(state['children'])
        deployment = cls(workdir, prefix=state['prefix'], tree=tree,
                         api_port=state['api_port'],
                         computes_per_cell=state['computes_per_cell'],
                         backends=backends, out=out,
                         overrides=state.get('overrides'),
                         auth=state.get('auth', 'noauth2'),
                         images=state.get('images', 'registry'),
                         rabbit_nodes=state.get('rabbit_nodes', 0),
                         all_in_one=state.get('all_in_one', False))
        deployment.brokers.load(state.get('brokers'))
        deployment.keystone_port = state.get('keystone_port', 0)
        deployment.glance_port = state.get('glance_port', 0)
        deployment.created_databases = list(state['created_databases'])
        deployment.created_vhosts = list(state['created_vhosts'])
        deployment.supervisor.processes = [ManagedProcess(**p)
                                           for p in state['processes']]
        return deployment

    # -- up ----------------------------------------------------------------

    def up(self, timeout: float = 180.0) -> float:
        """Create, configure and start everything; seconds it took.

        On failure whatever was started or created is left recorded in
        the state file: call :meth:`down` to remove it.
        """
        started = time.monotonic()
        if self.state_file.exists():
            old = Deployment.load(self.workdir, self.backends)
            if (old.processes or old.created_databases
                    or old.created_vhosts or old.brokers.nodes):
                raise LauncherError(
                    f'{self.workdir} already holds a deployment: run '
                    f"'down' first (or use another --workdir)")
        if self.rabbit_nodes:
            self.backends.connect().close()  # the brokers come with it
        else:
            self.backends.check()
        if not self.api_port:
            self.api_port = free_port()
        (self.workdir / 'logs').mkdir(parents=True, exist_ok=True)
        self.save_state()
        steps: list[tuple[str, Callable[[], None]]] = []
        if self.auth == 'keystone':
            steps.append(('keystone and Glance', lambda: self._neighbours(
                started + timeout)))
        if self.rabbit_nodes:
            steps.append(('RabbitMQ nodes', lambda: self._start_brokers(
                started + timeout)))
        steps += [
            ('vhosts and databases', self._create_resources),
            ('configuration', self._write_configs),
            ('nova-manage', self._manage_all),
            ('daemons', lambda: self._start_daemons(started + timeout)),
        ]
        for label, step in steps:
            begun = time.monotonic()
            step()
            self.timings[label] = time.monotonic() - begun
        elapsed = time.monotonic() - started
        steps_taken = ', '.join(f'{label} {seconds:.1f}s'
                                for label, seconds in self.timings.items())
        self.out(f'deployment {self.prefix} ready in {elapsed:.1f}s '
                 f'({steps_taken}): API {self.api_url}, cells '
                 + ', '.join(c.name for c in self.cells))
        if self.auth == 'keystone':
            self.out(f'cloud {self.prefix}: export OS_CLIENT_CONFIG_FILE='
                     f'{self.clouds_yaml}; openstack --os-cloud '
                     f'{self.prefix} server list')
        return elapsed

    def _neighbours(self, deadline: float) -> None:
        """keystone (and Glance) up and registered, before any cell."""
        parts = neighbours.Neighbours(self.workdir, self.supervisor.start,
                                      self.log_tail, self.out)
        self.keystone_port = free_port()
        self.save_state()
        identity = parts.keystone(self.keystone_port,
                                  self._neighbour_database('keystone'),
                                  deadline)
        parts.register(identity, 'nova', identity.nova_password, 'compute',
                       'nova', f'{self.api_url}/v2.1')
        if self.images == 'glance':
            self.glance_port = free_port()
            self.save_state()
            parts.glance(identity, self.glance_port,
                         self._neighbour_database('glance'), deadline)
        config.write_private(self.clouds_yaml,
                             neighbours.clouds_yaml(self.prefix, identity))

    def _neighbour_database(self, name: str) -> str:
        """A new database ``<prefix>_<name>`` (recorded: ``down`` drops
        it); its URL."""
        database = f'{self.prefix}_{name}'
        if self.backends.database_exists(database):
            raise LauncherError(f'database {database} exists already; '
                                'choose another --prefix or drop it')
        self.backends.create_database(database)
        self.created_databases.append(database)
        self.save_state()
        return self.backends.database_url(database)

    def _api_sections(self) -> config.Overrides:
        """What the API cell's nova.conf says of keystone and Glance."""
        identity = self.identity
        if self.auth != 'keystone' or identity is None:
            return {}
        sections: config.Overrides = {
            'api': {'auth_strategy': 'keystone'},
            'keystone_authtoken': neighbours.authtoken(
                identity, 'nova', identity.nova_password)}
        if self.images == 'glance':
            sections['glance'] = {
                'auth_url': identity.auth_url, 'username': 'nova',
                'password': identity.nova_password,
                'project_name': 'service', 'interface': 'internal'}
        return sections

    def _start_brokers(self, deadline: float) -> None:
        """The deployment's own RabbitMQ nodes, each booting with the
        vhosts of its cells (:func:`brokers.node_of`)."""
        count = min(self.rabbit_nodes, len(self.cells))
        groups: list[list[str]] = [[] for _ in range(count)]
        for index, plan in enumerate(self.cells):
            groups[brokers.node_of(index, count)].append(plan.vhost)
        self.brokers.plan(count, groups)
        self.brokers.start(self.backends.rabbit_user,
                           self.backends.rabbit_password, deadline)

    def _create_resources(self) -> None:
        own_nodes = bool(self.brokers.nodes)
        vhosts = set() if own_nodes else self.backends.list_vhosts()
        for plan in self.cells:
            if self.backends.database_exists(plan.database):
                raise LauncherError(
                    f'database {plan.database} exists already; choose '
                    'another --prefix or drop it')
            if plan.vhost in vhosts:
                raise LauncherError(
                    f'RabbitMQ vhost {plan.vhost} exists already; choose '
                    'another --prefix or delete it')
        for plan in self.cells:
            self.backends.create_database(plan.database)
            self.created_databases.append(plan.database)
            self.save_state()
        if own_nodes:
            # Each node loaded its vhosts at boot; they go with it.
            for plan in self.cells:
                self.out(f'{plan.role} {plan.name}: database '
                         f'{plan.database}, vhost {plan.vhost} on '
                         f'{self.cell_backends(plan).rabbit_node}')
            return
        # Each rabbitmqctl is an Erlang VM booting (about half a second):
        # run them side by side, recording each vhost as soon as it exists.
        lock = threading.Lock()

        def create_vhost(plan: CellPlan) -> None:
            self.backends.add_vhost(plan.vhost)
            with lock:
                self.created_vhosts.append(plan.vhost)
                self.save_state()
            self.backends.grant_vhost(plan.vhost)

        with concurrent.futures.ThreadPoolExecutor(
                min(4, len(self.cells))) as pool:
            for future in [pool.submit(create_vhost, plan)
                           for plan in self.cells]:
                future.result()
        for plan in self.cells:
            self.out(f'{plan.role} {plan.name}: database {plan.database}, '
                     f'vhost {plan.vhost}')

    def daemon_count(self) -> int:
        """How many daemons :meth:`up` starts: nova-cells in every cell,
        nova-api at the top, and the network, scheduler and computes of
        each cell with compute hosts."""
        if self.all_in_one:
            return sum(2 if plan.is_api else 1 for plan in self.cells)
        return sum(1 + (1 if plan.is_api else 0)
                   + (2 + len(plan.compute_hosts) if plan.compute_hosts
                      else 0)
                   for plan in self.cells)

    def _pool(self) -> tuple[int, int]:
        """Each daemon's database pool, sized from MariaDB's
        ``max_connections`` and said on the way."""
        limit = self.backends.max_connections()
        daemons = self.daemon_count()
        kept, overflow = config.pool_size(limit, daemons)
        most = daemons * (kept + overflow)
        self.out(f'database pools: {daemons} daemons x ({kept} + '
                 f'{overflow} overflow) = at most {most} connections of '
                 f"MariaDB's max_connections {limit}")
        return kept, overflow

    def _write_configs(self) -> None:
        conf_dir = self.workdir / 'etc'
        conf_dir.mkdir(parents=True, exist_ok=True)
        pool = self._pool()
        for plan in self.cells:
            state_path = self.workdir / 'state' / plan.name
            state_path.mkdir(parents=True, exist_ok=True)
            config.write_private(plan.conf, config.cell_config(
                plan, self.cell_backends(plan), str(state_path),
                self.api_port,
                self.debug, self.overrides, self._api_sections(), pool))
            for host in plan.compute_hosts:
                config.write_private(self._host_conf(host),
                                     config.compute_host_config(host))

    def _host_conf(self, host: str) -> str:
        return str(self.workdir / 'etc' / f'{host}.conf')

    def _manage(self, plan: CellPlan, commands: list[tuple[str, ...]]
                ) -> None:
        """Run ``nova-manage`` ``commands`` against a cell's file, in one
        interpreter (:mod:`.manage_batch`), in order."""
        argvs = [['--config-file', plan.conf, *args] for args in commands]
        result = subprocess.run(
            [self._python(), '-P', '-m', 'nova.tools.launcher.manage_batch'],
            input=json.dumps(argvs), capture_output=True, text=True,
            timeout=600, check=False)
        with open(self.workdir / 'logs' / 'nova-manage.log', 'a') as log:
            for argv in argvs:
                # The transport URLs hold the broker password.
                shown = [a if not a.startswith('rabbit://') else '<url>'
                         for a in argv]
                log.write(f"$ nova-manage {' '.join(shown)}\n")
            log.write(f'{result.stdout}{result.stderr}')
        if result.returncode != 0:
            raise LauncherError(
                f'nova-manage failed for cell {plan.name} (exit '
                f'{result.returncode}): {result.stderr.strip()}')

    def _python(self) -> str:
        """The interpreter of the nova-* programs' virtualenv."""
        path = os.path.join(self.bin_dir, 'python')
        return path if os.access(path, os.X_OK) else sys.executable

    def _manage_all(self) -> None:
        # A db sync, then a row per neighbour: each cell's commands in one
        # interpreter (importing nova is most of a command's time), the
        # cells side by side.
        commands: dict[str, list[tuple[str, ...]]] = {
            plan.name: [('db', 'sync')] for plan in self.cells}
        for child in self.cells[1:]:
            for parent in map(self.cell, child.parents):
                commands[parent.name].append((
                    'cell', 'create', '--name', child.name, '--cell_type',
                    'child', '--transport-url',
                    self.cell_backends(child).transport_url(child.vhost)))
                commands[child.name].append((
                    'cell', 'create', '--name', parent.name, '--cell_type',
                    'parent', '--transport-url',
                    self.cell_backends(parent).transport_url(
                        parent.vhost)))
        workers = min(8, len(self.cells))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            for future in [pool.submit(self._manage, plan,
                                       commands[plan.name])
                           for plan in self.cells]:
                future.result()
        self.out('schemas synced, cells tables filled')

    # -- daemons -----------------------------------------------------------

    def _binary(self, name: str) -> str:
        path = os.path.join(self.bin_dir, name)
        if os.access(path, os.X_OK):
            return path
        found = shutil.which(name)
        if found is None:
            raise LauncherError(f'{name} not found in {self.bin_dir} nor '
                                'on the PATH; install the package first')
        return found

    def _spawn(self, plan: CellPlan, service: str,
               host: str | None = None) -> ManagedProcess:
        name = host if host is not None else f'{plan.name}-{service}'
        argv = [self._binary(f'nova-{service}'), '--config-file', plan.conf]
        if host is not None:
            argv += ['--config-file', self._host_conf(host)]
        return self.supervisor.start(ManagedProcess(
            name=name, cell=plan.name, argv=argv,
            log=str(self.workdir / 'logs' / f'{name}.log')))

    def _start_daemons(self, deadline: float) -> None:
        # A cell's nova-cells reports its capacities to its parent when it
        # starts: it starts once its compute nodes exist and its parent
        # consumes (a message to a queue nobody declared yet is lost).
        api = self.api_cell
        self._spawn(api, 'cells')
        self._spawn(api, 'api')
        for plan in self.cells[1:]:
            if not plan.compute_hosts or self.all_in_one:
                continue
            self._spawn(plan, 'network')
            self._spawn(plan, 'scheduler')
            for host in plan.compute_hosts:
                self._spawn(plan, 'compute', host)
        readiness.wait(self, readiness.missing_before_cells, deadline)
        for level in range(1, self.depth):
            above = self.level(level - 1)
            readiness.wait(self, functools.partial(
                readiness.not_consuming, plans=above), deadline)
            for plan in self.level(level):
                if self.all_in_one and plan.compute_hosts:
                    self._spawn_cell(plan)
                else:
                    self._spawn(plan, 'cells')
        self.out(f'started {len(self.processes)} daemons')
        readiness.wait(self, readiness.missing, deadline)
        # The last level's first reports are on their way to the top: a
        # middle cell passes a report on REPORT_DELAY after it.
        time.sleep(1.0 + config.REPORT_DELAY * (self.depth - 2))

    def _spawn_cell(self, plan: CellPlan) -> ManagedProcess:
        """Every service of a cell with compute hosts in one ``nova-all``
        process, ``<cell>-cell``: nova-network, nova-scheduler, its
        nova-computes and nova-cells, each its own service with its own
        RPC server on the cell's broker, as separate daemons would run,
        sharing one interpreter, one database pool and one transport.
        A bench and development mode (``all_in_one``): it saves ~3
        interpreters per cell, so that many cells fit on one machine;
        a real deployment keeps separate daemons.  The compute hosts
        share the cell's file (a per-host file is not read here)."""
        name = f'{plan.name}-cell'
        top = self.workdir / 'etc' / f'{name}.conf'
        config.write_private(top, config.all_in_one_config(
            plan, str(self.workdir / 'state' / plan.name), self.debug))
        return self.supervisor.start(ManagedProcess(
            name=name, cell=plan.name,
            argv=[self._binary('nova-all'), '--config-file', str(top)],
            log=str(self.workdir / 'logs' / f'{name}.log')))

    # -- one daemon at a time (fault tests, operators) ---------------------

    def process(self, name: str) -> ManagedProcess:
        """The recorded daemon called ``name``, e.g. ``'cell1-cells'``."""
        return self.supervisor.find(name)

    def send_signal(self, proc: ManagedProcess, signum: int) -> None:
        """Signal one recorded daemon without waiting for it."""
        self.supervisor.send_signal(proc, signum)

    def kill(self, name: str, signum: int = signal.SIGKILL,
             timeout: float = 30.0) -> ManagedProcess:
        """Signal one daemon (by its recorded pid) and wait until it is
        gone; returns its record, which stays in the state file so that
        :meth:`restart` can start it again."""
        return self.supervisor.kill(name, signum, timeout)

    def stop(self, name: str, grace: float = 20.0) -> None:
        """Stop daemon ``name`` (SIGTERM, SIGKILL after ``grace``) and
        drop its record: ``down`` and ``restart`` forget it."""
        self.supervisor.stop(name, grace)

    def restart(self, name: str, grace: float = 20.0) -> ManagedProcess:
        """Start daemon ``name`` again with the same command line and
        configuration (stopping it first if it still runs); returns the
        new record."""
        return self.supervisor.restart(name, grace)

    def start_service(self, cell: str, service: str, name: str,
                      overrides: config.Overrides | None = None
                      ) -> ManagedProcess:
        """Start one more ``nova-<service>`` in ``cell``, called ``name``.

        Its command line reads the cell's configuration, then
        ``<workdir>/etc/<name>.conf`` written from ``overrides`` (give it
        its own ``[DEFAULT] host``).  It is recorded like every other
        daemon, so ``down`` stops it.
        """
        if not NAME_RE.match(name.replace('-', '_')):
            raise LauncherError(f'bad daemon name {name!r}')
        if any(p.name == name for p in self.processes):
            raise LauncherError(f'a daemon {name!r} is recorded already')
        plan = self.cell(cell)
        extra = self.workdir / 'etc' / f'{name}.conf'
        config.write_private(extra, config.extra_daemon_config(
            name, cell, overrides))
        return self.supervisor.start(ManagedProcess(
            name=name, cell=plan.name,
            argv=[self._binary(f'nova-{service}'), '--config-file',
                  plan.conf, '--config-file', str(extra)],
            log=str(self.workdir / 'logs' / f'{name}.log')))

    # -- down --------------------------------------------------------------

    def down(self, keep: bool = False, grace: float = 20.0) -> None:
        """Stop the recorded daemons, then drop what ``up`` created.

        ``keep`` leaves the databases and vhosts in place (for a look at
        them afterwards).  Errors are collected: everything that can be
        removed is removed, then one :class:`LauncherError` names the rest.
        """
        errors = self.supervisor.stop_all(grace)
        if not keep:
            # The lists shrink by what is gone: the state file then names
            # only what is left to remove.
            errors += self.backends.remove(self.created_databases,
                                           self.created_vhosts)
            # The nodes' vhosts go with them.
            errors += self.brokers.stop()
            for name in NEIGHBOUR_FILES:
                path = self.workdir / name
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                elif path.exists():
                    path.unlink()
        self.save_state()
        if errors:
            raise LauncherError('; '.join(errors))
