"""nova-all: every service of a whole tree of cells in one process.

The top configuration file lists one configuration file per cell in
``[all] cell_config_files``; each is an ordinary nova.conf for that cell
(its own ``[DEFAULT] transport_url``, ``[database] connection`` and
``[cells]`` section).  Each cell's database is brought to the latest schema
at start.  This is the embedded default: SQLite files and the in-process
``inproc://`` broker, one virtual host per cell.
"""

from __future__ import annotations

import os
import sys

from oslo_config import cfg
from oslo_log import log as logging

from nova import conf as nova_conf
from nova import exception
from nova import rpc
from nova.cmd import common
from nova.db import migration

LOG = logging.getLogger(__name__)


def default_services(conf: cfg.ConfigOpts) -> list[str]:
    if conf.all.services:
        return list(conf.all.services)
    if common.is_api_cell(conf):
        return ['cells', 'api']
    if conf.cells.enable:
        return ['network', 'scheduler', 'compute', 'cells']
    return ['network', 'scheduler', 'compute', 'api']


class CellRuntime:
    """Every service of one cell, in this process."""

    def __init__(self, conf: cfg.ConfigOpts,
                 services: list[str] | None = None) -> None:
        self.conf = conf
        self.name = conf.cells.name
        self.transport = rpc.get_transport(conf)
        self.db = common.make_database(conf, self.transport)
        # The cell's notifications go out on its own broker.
        self.notifiers = rpc.NotifierFactory(conf)
        common.watch_for_notifications(conf, self.db, self.notifiers)
        self.services: dict[str, list[common.Runnable]] = {}
        for name in services or default_services(conf):
            hosts = (conf.all.compute_hosts if name == 'compute'
                     else [conf.host])
            self.services[name] = [
                common.build_service(conf, name, host, self.db,
                                     self.transport, self.notifiers)
                for host in hosts]
        self._started: list[common.Runnable] = []

    def start(self) -> None:
        migration.db_sync(self.conf.database.connection)
        for group in self.services.values():
            for svc in group:
                svc.start()
                self._started.append(svc)
        LOG.info('Cell %s started: %s', self.name,
                 ', '.join(self.services))

    def stop(self) -> None:
        rpc.concurrently([common.stopper(s) for s in self._started])
        self._started = []
        common.flush_changes(self.db)
        self.notifiers.cleanup()
        self.transport.cleanup()
        self.db.dispose()


def load_cell_conf(path: str, state_path: str | None = None
                   ) -> cfg.ConfigOpts:
    conf = nova_conf.new_conf()
    if state_path:
        conf.set_default('state_path', state_path)
    conf(args=[], project='nova', default_config_files=[path])
    cells_config = conf.cells.cells_config
    if cells_config and not os.path.isabs(cells_config):
        # Relative to the file that names it, not to the current directory.
        conf.set_override('cells_config', os.path.join(
            os.path.dirname(os.path.abspath(path)), cells_config), 'cells')
    if state_path:
        os.makedirs(conf.state_path, exist_ok=True)
    return conf


def main(argv: list[str] | None = None) -> int:
    top = nova_conf.CONF
    common.parse_config(argv, top, 'nova-all')
    if not top.all.cell_config_files:
        print('nova-all: error: [all] cell_config_files lists no cell',
              file=sys.stderr)
        return 2
    base = os.path.dirname(os.path.abspath(top.config_file[-1])) \
        if top.config_file else os.getcwd()
    state_path = os.path.abspath(top.state_path)
    cells = []
    try:
        for path in top.all.cell_config_files:
            full = (path if os.path.isabs(path)
                    else os.path.join(base, path))
            if not os.path.exists(full):
                print('nova-all: error: no such cell configuration: %s'
                      % full, file=sys.stderr)
                return 2
            conf = load_cell_conf(full, state_path)
            if top.all.api_listen_port and common.is_api_cell(conf):
                conf.set_override('osapi_compute_listen_port',
                                  top.all.api_listen_port, 'api')
            cells.append(CellRuntime(conf))
        return common.run_until_signalled(cells)
    except exception.InvalidCellConfig as error:
        return common.refuse_config('nova-all', error)


if __name__ == '__main__':
    sys.exit(main())
