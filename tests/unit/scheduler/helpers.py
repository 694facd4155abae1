"""What the host scheduler's tests share."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib

import oslo_messaging

from nova import conf as nova_conf
from nova.db.api import Database
from nova.scheduler import manager as scheduler_manager


@contextlib.contextmanager
def scheduler_on(db: Database) -> Iterator[scheduler_manager.SchedulerManager]:
    """A host scheduler over ``db``, with the default options, on a fake
    transport (cleaned up after)."""
    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake://')
    try:
        yield scheduler_manager.SchedulerManager(conf, 'sched', db,
                                                 transport)
    finally:
        transport.cleanup()
