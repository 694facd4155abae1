"""What a daemon does not load: packages it never uses that would cost
every process some megabytes (a tree runs dozens of daemons)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Every daemon's entry point loads these (see nova.cmd.common).
DAEMON_MODULES = ('nova.cmd.common', 'nova.cells.manager',
                  'nova.compute.manager', 'nova.scheduler.manager',
                  'nova.network.manager', 'nova.api.wsgi_app')


def _loaded(packages: tuple[str, ...]) -> list[str]:
    probe = ('import json, sys\n'
             f'for name in {DAEMON_MODULES!r}:\n'
             '    __import__(name)\n'
             'print(json.dumps(sorted({m.split(".")[0] for m in sys.modules\n'
             f'    if sys.modules[m] is not None}} & {set(packages)!r})))')
    # A fresh interpreter: this one has loaded whatever the tests needed.
    out = subprocess.run([sys.executable, '-P', '-c', probe], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.mark.parametrize('package, why', [
    ('eventlet', 'futurist imports it when it can; nothing runs on it'),
    ('dns', 'eventlet brought dnspython and its DNSSEC algorithms'),
    ('oslo_middleware', 'its package loads every middleware it has'),
    ('jinja2', "oslo.middleware's healthcheck page brought it"),
])
def test_a_daemon_does_not_load(package, why):
    assert _loaded((package,)) == [], why


def test_the_probe_sees_what_a_daemon_loads():
    # Guards the test above against a probe that sees nothing.
    assert _loaded(('oslo_messaging', 'sqlalchemy')) == [
        'oslo_messaging', 'sqlalchemy']
