"""Building the services of one cell from its configuration.

Shared by the one-service daemons (``nova-cells``, ``nova-compute``, ...)
and by ``nova-all``, which builds every service of several cells in one
process.  Each cell's services get that cell's configuration, database and
transport; nothing here is a global.
"""

from __future__ import annotations

from collections.abc import Iterable
import gc
import signal
import sys
import threading
from typing import Any
from typing import Protocol

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging
from oslo_utils import importutils

from nova import exception
from nova import image_service
from nova import notifications
from nova import rpc
from nova import service
from nova.cells import manager as cells_manager
from nova.cells import rpcapi as cells_rpcapi
from nova.cells import sync as cells_sync
from nova.compute import api as compute_api
from nova.compute import flavors
from nova.compute import images
from nova.compute import manager as compute_manager
from nova.compute import rpcapi as compute_rpcapi
from nova.db import api as db_api
from nova.network import manager as network_manager
from nova.network import rpcapi as network_rpcapi
from nova.scheduler import manager as scheduler_manager
from nova.scheduler import rpcapi as scheduler_rpcapi

LOG = logging.getLogger(__name__)

SERVICE_NAMES = ('api', 'cells', 'scheduler', 'network', 'compute')


class Runnable(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def is_api_cell(conf: cfg.ConfigOpts) -> bool:
    return bool(conf.cells.enable) and conf.cells.cell_type == 'api'


def is_child_cell(conf: cfg.ConfigOpts) -> bool:
    return bool(conf.cells.enable) and conf.cells.cell_type == 'compute'


def make_database(conf: cfg.ConfigOpts,
                  transport: oslo_messaging.Transport | None = None
                  ) -> db_api.Database:
    """This cell's database; a child cell's pushes changes to the top."""
    database = conf.database
    engine = db_api.create_engine(database.connection,
                                  pool_size=database.max_pool_size,
                                  max_overflow=database.max_overflow,
                                  pool_timeout=database.pool_timeout)
    db = db_api.Database(database.connection, engine=engine,
                         owns_instances=not is_api_cell(conf))
    if is_child_cell(conf) and transport is not None:
        db.add_listener(cells_sync.ChangePusher(
            cells_rpcapi.CellsAPI(conf, transport),
            conf.cells.instance_update_batch_hold))
    return db


def _pushers(db: db_api.Database) -> list[cells_sync.ChangePusher]:
    return [listener for listener in db.listeners
            if isinstance(listener, cells_sync.ChangePusher)]


def flush_changes(db: db_api.Database) -> None:
    """Send the changes a child cell's services still hold (stopping)."""
    for pusher in _pushers(db):
        pusher.flush()


def watch_for_notifications(conf: cfg.ConfigOpts, db: db_api.Database,
                            notifiers: rpc.NotifierFactory) -> None:
    """Have the cell's database report what it notifies (instance state
    changes, services), when notifications are on."""
    if notifiers.enabled:
        db.add_listener(notifications.DatabaseNotifier(
            conf, notifiers, conf.host, instances=db.owns_instances))


def make_notifier(conf: cfg.ConfigOpts,
                  notifiers: rpc.NotifierFactory | None, binary: str,
                  host: str) -> notifications.Notifier:
    return notifications.Notifier(conf, notifiers, binary, host)


class ApiService:
    """nova-api: the REST API behind a threaded WSGI server."""

    def __init__(self, conf: cfg.ConfigOpts, db: db_api.Database,
                 transport: oslo_messaging.Transport,
                 notifiers: rpc.NotifierFactory | None = None) -> None:
        from nova.api import server as api_server
        from nova.api import wsgi_app
        self.conf = conf
        self.db = db
        api_class = importutils.import_class(conf.compute_api_class)
        self.images = image_service.from_conf(conf, db)
        self.compute_api = api_class(
            conf, db, transport,
            notifier=make_notifier(conf, notifiers, 'nova-api', conf.host),
            image_service=self.images)
        app = wsgi_app.load_app(conf, self.compute_api)
        self.server = api_server.WSGIServer(
            app, conf.api.osapi_compute_listen,
            conf.api.osapi_compute_listen_port,
            conf.api.osapi_compute_workers)

    def start(self) -> None:
        self.db.wait_until_reachable(self.conf.database.max_retries,
                                     self.conf.database.retry_interval)
        flavors.ensure_default_flavors(self.db)
        if self.images.in_database:
            images.ensure_default_images(self.db)
        self.server.start()
        LOG.info('nova-api listening on %s:%s',
                 self.conf.api.osapi_compute_listen, self.server.port)

    def stop(self) -> None:
        self.server.stop()


def build_service(conf: cfg.ConfigOpts, name: str, host: str,
                  db: db_api.Database,
                  transport: oslo_messaging.Transport,
                  notifiers: rpc.NotifierFactory | None = None) -> Runnable:
    """One service of a cell: ``api``, ``cells``, ``scheduler``,
    ``network`` or ``compute``; ``notifiers`` are the cell's."""
    if name == 'api':
        return ApiService(conf, db, transport, notifiers)
    manager: service.Manager
    notifier = make_notifier(conf, notifiers, 'nova-%s' % name, host)
    if name == 'cells':
        images_at = image_service.from_conf(conf, db)
        manager = cells_manager.CellsManager(
            conf, host, db, transport,
            compute_api.API(conf, db, transport, enforce_locks=False,
                            notifier=notifier, image_service=images_at),
            notifier=notifier, image_service=images_at)
        topic = conf.cells.topic
        # The cell's database pushes its changes up through nova-cells:
        # from this process, without the broker.
        for pusher in _pushers(db):
            pusher.deliver_to(manager)
    elif name == 'scheduler':
        on_failure = (cells_rpcapi.CellsAPI(conf, transport)
                      .build_instances_failed if is_child_cell(conf)
                      else None)
        manager = scheduler_manager.SchedulerManager(
            conf, host, db, transport, on_build_failure=on_failure)
        topic = scheduler_rpcapi.RPC_TOPIC
    elif name == 'network':
        manager = network_manager.NetworkManager(conf, host, db)
        topic = network_rpcapi.RPC_TOPIC
    elif name == 'compute':
        manager = compute_manager.ComputeManager(
            conf, host, db, transport, notifier=notifier,
            image_service=image_service.from_conf(conf, db))
        topic = compute_rpcapi.RPC_TOPIC
    else:
        raise ValueError('unknown service %r; expected one of %s'
                         % (name, ', '.join(SERVICE_NAMES)))
    return service.Service(conf, host, 'nova-%s' % name, topic, manager,
                           transport, db=db)


def parse_config(argv: list[str] | None, conf: cfg.ConfigOpts,
                 binary: str) -> None:
    conf(argv if argv is not None else sys.argv[1:], project='nova',
         prog=binary)
    logging.setup(conf, 'nova')


def run_until_signalled(services: Iterable[Runnable]) -> int:
    """Start services, wait for SIGINT/SIGTERM, stop them in reverse."""
    started: list[Runnable] = []
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        LOG.info('Caught signal %d, stopping', signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    try:
        for svc in services:
            svc.start()
            started.append(svc)
        settle_heap()
        while not stop.wait(1.0):
            pass
    finally:
        rpc.concurrently([stopper(svc) for svc in started])
    return 0


# Allocations between two collections of the youngest generation.
YOUNG_COLLECTION_THRESHOLD = 20000


def settle_heap() -> None:
    """Keep the garbage collector off what startup built.

    A started daemon holds a few hundred thousand long-lived objects
    (modules, SQLAlchemy's metadata and caches, oslo's options) that are
    never garbage.  Every full collection walked them all: serving one
    listing of a thousand servers allocates enough to trigger one every
    few requests, and those collections doubled the listing's mean time.
    Frozen, they are left out of every collection.

    The youngest generation is collected every
    :data:`YOUNG_COLLECTION_THRESHOLD` allocations rather than CPython's
    700: handling one message or request allocates thousands of objects
    that reference counting frees anyway, and at 700 a boot through the
    tree ran a young collection every few hundred microseconds, which
    found almost nothing to free (about 4% of the tree's CPU per boot,
    measured with ``nova.tools.bench.boots_inproc``).
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, older, oldest)
    LOG.debug('%d objects frozen out of garbage collection',
              gc.get_freeze_count())


def stopper(svc: Runnable) -> Any:
    def stop() -> None:
        try:
            svc.stop()
        except Exception:
            LOG.exception('Error stopping %s', svc)
    return stop


def run_one(binary_name: str, argv: list[str] | None = None) -> int:
    """``main()`` of a one-service daemon."""
    from nova import conf as nova_conf
    conf = nova_conf.CONF
    prog = 'nova-%s' % binary_name
    parse_config(argv, conf, prog)
    try:
        transport = rpc.get_transport(conf)
        db = make_database(conf, transport)
        notifiers = rpc.NotifierFactory(conf)
        watch_for_notifications(conf, db, notifiers)
        svc = build_service(conf, binary_name, conf.host, db, transport,
                            notifiers)
        try:
            return run_until_signalled([svc])
        finally:
            flush_changes(db)
            notifiers.cleanup()
    except exception.InvalidCellConfig as error:
        return refuse_config(prog, error)


def refuse_config(prog: str, error: exception.InvalidCellConfig) -> int:
    """A daemon's exit on a configuration it cannot run with: one line
    saying why, status 2."""
    LOG.error('%s', error.format_message())
    print('%s: error: %s' % (prog, error.format_message()),
          file=sys.stderr)
    return 2
