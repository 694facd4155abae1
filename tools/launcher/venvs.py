"""Virtualenvs of the real neighbours (keystone, Glance, tempest).

Each lives in ``<repository>/.venvs/<name>`` (git-ignored), installed
from the package index with pip on first use and reused afterwards: a
stamp file records what was installed, so a second ``up`` (or CI's
second run) installs nothing.  Set ``NOVA_VENVS`` to keep them
elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
import os
import pathlib
import subprocess
import sys
import time

from nova.tools.launcher.errors import LauncherError

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 1800
STAMP = '.nova-neighbour-installed'


def venvs_root() -> pathlib.Path:
    return pathlib.Path(os.environ.get('NOVA_VENVS')
                        or REPO_ROOT / '.venvs')


def venv_dir(name: str) -> pathlib.Path:
    return venvs_root() / name


def is_installed(name: str, packages: list[str]) -> bool:
    stamp = venv_dir(name) / STAMP
    return stamp.exists() and stamp.read_text().split() == packages


def ensure_venv(name: str, packages: list[str],
                out: Callable[[str], None]) -> pathlib.Path:
    """The virtualenv ``name`` holding ``packages``; installs them first
    when it does not yet (minutes, once).  Raises :class:`LauncherError`
    with pip's last words when the install fails."""
    path = venv_dir(name)
    if is_installed(name, packages):
        return path
    out(f'installing {" ".join(packages)} into {path} (once; reused '
        'afterwards)')
    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.parent / f'{name}-install.log'
    steps = []
    if not (path / 'bin' / 'python').exists():
        steps.append([sys.executable, '-m', 'venv', str(path)])
    steps.append([str(path / 'bin' / 'python'), '-m', 'pip', 'install',
                  '--disable-pip-version-check', *packages])
    with open(log, 'w') as log_file:
        for argv in steps:
            try:
                result = subprocess.run(
                    argv, stdout=log_file, stderr=subprocess.STDOUT,
                    timeout=INSTALL_TIMEOUT, check=False)
            except subprocess.TimeoutExpired:
                raise LauncherError(
                    f'installing {name} took over {INSTALL_TIMEOUT}s; '
                    f'see {log}') from None
            if result.returncode != 0:
                lines = [line for line in log.read_text().splitlines()
                         if not line.startswith('WARNING: Location')]
                raise LauncherError(
                    f'cannot install {" ".join(packages)} into {path} '
                    f'(is the package index reachable?): '
                    + ' | '.join(lines[-3:]))
    (path / STAMP).write_text(' '.join(packages) + '\n')
    out(f'{name} installed in {time.monotonic() - started:.0f}s')
    return path
