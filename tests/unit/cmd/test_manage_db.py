"""nova-manage: db commands, configuration and argument errors."""

from __future__ import annotations

from collections.abc import Callable
import os
import pathlib
import subprocess
import sys

import pytest

from nova.db import migration
from nova.tests.unit.cmd.helpers import Result
from nova.tests.unit.cmd.helpers import assert_one_line_error
from nova.tests.unit.cmd.helpers import write_conf

RunFn = Callable[..., Result]


def test_version_before_sync(nm: RunFn) -> None:
    assert nm('db', 'version') == (0, 'None\n', '')


def test_sync_then_version(nm: RunFn, db_path: pathlib.Path) -> None:
    assert nm('db', 'sync') == (0, '', '')
    assert nm('db', 'version') == (0, migration.head_revision() + '\n', '')
    assert migration.db_version(f'sqlite:///{db_path}') == (
        migration.head_revision())


def test_sync_to_explicit_version(nm: RunFn) -> None:
    head = migration.head_revision()
    assert nm('db', 'sync', '--version', head) == (0, '', '')
    assert nm('db', 'version').out == head + '\n'


def test_sync_to_unknown_version_fails(nm: RunFn) -> None:
    assert_one_line_error(nm('db', 'sync', '--version', 'nope'), 1, 'nope')
    assert nm('db', 'version').out == 'None\n'


def test_sync_does_not_need_cwd(nm: RunFn, tmp_path: pathlib.Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert nm('db', 'sync').code == 0


@pytest.mark.parametrize('argv', [
    ['db', 'sync'], ['db', 'version'], ['cell', 'list'],
    ['cell', 'create', '--name', 'c1', '--cell_type', 'child',
     '--transport-url', 'fake://'],
])
def test_unreachable_database(run: RunFn, tmp_path: pathlib.Path,
                              argv: list[str]) -> None:
    conf = write_conf(tmp_path / 'bad.conf',
                      f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert_one_line_error(run('--config-file', conf, *argv), 1,
                          'database error')


def test_database_error_hides_password(run: RunFn,
                                       tmp_path: pathlib.Path) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    conf = write_conf(tmp_path / 'my.conf',
                      'mysql+pymysql://nova:Sekr3tPw@127.0.0.1:1/nova')
    result = run('--config-file', conf, 'db', 'version')
    assert_one_line_error(result, 1, 'database error')
    assert 'Sekr3tPw' not in result.err
    assert '***' in result.err


def test_cell_commands_need_synced_database(nm: RunFn) -> None:
    assert_one_line_error(nm('cell', 'list'), 1, 'db sync')


def test_missing_config_file(run: RunFn, tmp_path: pathlib.Path) -> None:
    assert_one_line_error(
        run('--config-file', str(tmp_path / 'missing.conf'), 'db',
            'version'), 2, 'missing.conf')


def test_malformed_config_file(run: RunFn, tmp_path: pathlib.Path) -> None:
    path = tmp_path / 'broken.conf'
    path.write_text('this is not [an ini file\n', encoding='utf-8')
    assert_one_line_error(run('--config-file', str(path), 'db', 'version'),
                          1, 'configuration')


def test_config_dir(run: RunFn, tmp_path: pathlib.Path,
                    db_path: pathlib.Path) -> None:
    conf_dir = tmp_path / 'nova.conf.d'
    conf_dir.mkdir()
    write_conf(conf_dir / '10-db.conf', f'sqlite:///{db_path}')
    assert run('--config-dir', str(conf_dir), 'db', 'sync').code == 0
    assert db_path.exists()


def test_no_config_file_read_by_default(
        run: RunFn, tmp_path: pathlib.Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The default connection is relative to the working directory
    # ($pybasedir/state), which has no state/ directory here: a clear
    # error, and no /etc/nova/nova.conf is looked at.
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(run('db', 'version'), 1, 'database error')


@pytest.mark.parametrize('argv, fragment', [
    ([], 'the following arguments are required: CATEGORY'),
    (['db'], 'the following arguments are required: ACTION'),
    (['cell'], 'the following arguments are required: ACTION'),
    (['nova'], "invalid choice: 'nova'"),
    (['db', 'migrate'], "invalid choice: 'migrate'"),
    (['db', 'sync', '--versoin', '1'], 'unrecognized arguments'),
    (['db', 'sync', '--version'], 'expected one argument'),
    (['db', 'version', 'extra'], 'unrecognized arguments: extra'),
    (['--config-file'], 'expected one argument'),
])
def test_usage_errors_are_one_line(run: RunFn, argv: list[str],
                                   fragment: str) -> None:
    assert_one_line_error(run(*argv), 2, fragment)


def test_abbreviated_options_are_refused(nm: RunFn, synced: None) -> None:
    result = nm('cell', 'create', '--na', 'c1', '--cell_type', 'child',
                '--transport-url', 'fake://')
    assert_one_line_error(result, 2)


def test_help(run: RunFn) -> None:
    result = run('--help')
    assert result.code == 0
    assert 'usage: nova-manage' in result.out
    result = run('cell', 'create', '--help')
    assert result.code == 0
    assert '--broker_hosts' in result.out


def test_debug_flag(nm: RunFn) -> None:
    assert nm('--debug', 'db', 'version').code == 0


def test_module_entry_point(conf_file: str, tmp_path: pathlib.Path) -> None:
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    proc = subprocess.run(
        [sys.executable, '-m', 'nova.cmd.manage', '--config-file', conf_file,
         'db', 'version'],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env,
        check=False)
    assert (proc.returncode, proc.stdout) == (0, 'None\n'), proc.stderr
    proc = subprocess.run(
        [sys.executable, '-m', 'nova.cmd.manage', 'bogus'],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env,
        check=False)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1
