"""Running services until a signal (``nova.cmd.common``)."""

import gc
import os
import signal
import subprocess
import sys
import threading

import oslo_messaging

from nova import conf as nova_conf
from nova import context as nova_context
from nova import rpc
from nova.cmd import common
from nova.db import migration


class _Service:
    def __init__(self, name, log, started=None):
        self.name = name
        self.log = log
        self.started = started

    def start(self):
        self.log.append('start ' + self.name)
        if self.started is not None:
            self.started.set()

    def stop(self):
        self.log.append('stop ' + self.name)


def test_services_start_the_heap_settles_and_sigterm_stops_them(
        monkeypatch):
    log = []
    monkeypatch.setattr(gc, 'freeze', lambda: log.append('freeze'))
    monkeypatch.setattr(gc, 'set_threshold', lambda *limits: log.append(
        'threshold %s' % (limits,)))
    monkeypatch.setattr(gc, 'get_threshold', lambda: (700, 10, 10))
    started = threading.Event()
    services = [_Service('a', log), _Service('b', log, started)]
    # The signal goes once the last service has started: by then
    # run_until_signalled has its handlers in place.
    killer = threading.Thread(target=lambda: (
        started.wait(10), os.kill(os.getpid(), signal.SIGTERM)))
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(
        signal.SIGINT)
    killer.start()
    try:
        assert common.run_until_signalled(services) == 0
    finally:
        killer.join()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    # The youngest generation is collected less often from then on, the
    # older ones as before.
    assert log[:4] == ['start a', 'start b', 'freeze', 'threshold (%d, 10, '
                       '10)' % common.YOUNG_COLLECTION_THRESHOLD]
    assert common.YOUNG_COLLECTION_THRESHOLD > 700
    # Services stop together.
    assert sorted(log[4:]) == ['stop a', 'stop b']


def test_a_daemon_refuses_a_bad_database_url_in_one_line(tmp_path):
    conf = tmp_path / 'nova.conf'
    conf.write_text(
        '[DEFAULT]\ntransport_url = rabbit://u:p@127.0.0.1:1/\n'
        '[database]\nconnection = mysql+pymysql://nova@db.invalid/nova'
        '?ssl_disabled=maybe\n'
        '[cells]\nenable = true\nname = api\ncell_type = api\n')
    done = subprocess.run(
        [sys.executable, '-c',
         'import sys; from nova.cmd import cells; sys.exit(cells.main())',
         '--config-file', str(conf)],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "nova-cells: error: Invalid cell configuration: [database] "
        "connection: ssl_disabled must be true or false, not 'maybe'")


def _child_conf(tmp_path):
    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    url = 'sqlite:///%s' % (tmp_path / 'child.sqlite')
    migration.db_sync(url)
    conf.set_override('connection', url, 'database')
    conf.set_override('transport_url', 'inproc://direct-child')
    conf.set_override('enable', True, 'cells')
    conf.set_override('name', 'child', 'cells')
    conf.set_override('cell_type', 'compute', 'cells')
    return conf


def test_nova_cells_takes_its_cells_changes_without_the_broker(
        tmp_path, monkeypatch):
    # A child cell's database pushes every change up through nova-cells;
    # in nova-cells' own process that is a call, not a cast to itself.
    conf = _child_conf(tmp_path)
    transport = rpc.get_transport(conf)
    db = common.make_database(conf, transport)
    # Another process's handle on the same database: no nova-cells there.
    elsewhere = common.make_database(conf, transport)
    try:
        svc = common.build_service(conf, 'cells', 'child', db, transport)
        received = []
        monkeypatch.setattr(svc.manager, 'instance_update_at_top',
                            lambda ctxt, instance: received.append(
                                instance.uuid))

        brokered = []

        def no_broker(client, version=None, **kwargs):
            brokered.append(version)
            raise RuntimeError('cast through the broker')

        monkeypatch.setattr(oslo_messaging.RPCClient, 'prepare', no_broker)
        ctxt = nova_context.get_admin_context()
        uuid = '00000000-0000-4000-8000-0000000000d1'
        db.instance_create(ctxt, {'uuid': uuid, 'project_id': 'p1'})
        assert received == [uuid] and brokered == []
        # The other handle casts (its failure is logged, for the heal
        # task to repair).
        elsewhere.listeners[0](ctxt, 'instance.update',
                               db.instance_get_by_uuid(ctxt, uuid))
        assert brokered == ['1.0']
    finally:
        db.dispose()
        elsewhere.dispose()
        transport.cleanup()
