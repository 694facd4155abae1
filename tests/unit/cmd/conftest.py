"""Fixtures for running nova-manage in-process against a temporary SQLite."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import logging
import pathlib
import sqlite3
import sys
from typing import Any

import pytest

from nova.cmd import manage
from nova.tests.unit.cmd.helpers import Result
from nova.tests.unit.cmd.helpers import write_conf


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # nova-manage sets up oslo.log on the root logger and the excepthook;
    # later tests must not write to this test's captured streams.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    excepthook = sys.excepthook
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    sys.excepthook = excepthook


@pytest.fixture
def db_path(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / 'cell.sqlite'


@pytest.fixture
def conf_file(tmp_path: pathlib.Path, db_path: pathlib.Path) -> str:
    return write_conf(tmp_path / 'nova.conf', f'sqlite:///{db_path}')


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``run(*argv)``: main(argv) with its exit code and captured output."""
    def _run(*argv: str) -> Result:
        capsys.readouterr()
        code = manage.main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)
    return _run


@pytest.fixture
def nm(run: Callable[..., Result], conf_file: str) -> Callable[..., Result]:
    """Like ``run`` with ``--config-file`` of the temporary database."""
    def _nm(*argv: str) -> Result:
        return run('--config-file', conf_file, *argv)
    return _nm


@pytest.fixture
def synced(nm: Callable[..., Result]) -> None:
    assert nm('db', 'sync') == (0, '', '')


@pytest.fixture
def cell_rows(db_path: pathlib.Path) -> Callable[[], list[tuple[Any, ...]]]:
    """Every row of the cells table, deleted ones included."""
    def rows() -> list[tuple[Any, ...]]:
        with sqlite3.connect(db_path) as conn:
            return conn.execute('SELECT * FROM cells ORDER BY id').fetchall()
    return rows
