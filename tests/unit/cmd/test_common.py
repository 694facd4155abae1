"""Running services until a signal (``nova.cmd.common``)."""

import gc
import os
import signal
import subprocess
import sys
import threading

from nova.cmd import common


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
    assert log[:3] == ['start a', 'start b', 'freeze']
    # Services stop together.
    assert sorted(log[3:]) == ['stop a', 'stop b']


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
