"""ruff and mypy over the package, as part of the test suite."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import nova

ROOT = pathlib.Path(nova.__file__).resolve().parent
BIN = pathlib.Path(sys.executable).parent


def _tool(name):
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip('%s is not installed (pip install -e .[test])' % name)
        path = pathlib.Path(found)
    return str(path)


def test_ruff_is_clean():
    result = subprocess.run([_tool('ruff'), 'check', '--no-cache', '.'],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean(tmp_path):
    # The repository root is the package: mypy needs to see it under the
    # name "nova".
    (tmp_path / 'nova').symlink_to(ROOT)
    env = dict(os.environ, MYPYPATH=str(tmp_path))
    result = subprocess.run(
        [_tool('mypy'), '--config-file', str(ROOT / 'pyproject.toml'),
         '--no-incremental', '--cache-dir', os.devnull, '-p', 'nova'],
        cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
