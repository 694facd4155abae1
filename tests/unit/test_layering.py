"""The layering of the package, as import-linter contracts
(``[tool.importlinter]`` in pyproject.toml), run as part of the suite.

Each leak a maintainer once found between service folders is put back
into a copy of the package, and the contracts must catch it.
"""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import nova

ROOT = pathlib.Path(nova.__file__).resolve().parent
BIN = pathlib.Path(sys.executable).parent

# (file of the package, the module it must not import)
LEAKS = [
    ('cells/manager.py', 'nova.compute.api'),
    ('cells/admin.py', 'nova.compute.host_api'),
    ('cells/admin_methods.py', 'nova.compute.host_api'),
    ('cells/methods.py', 'nova.compute.host_api'),
    ('cells/manager.py', 'nova.compute.utils'),
    ('cells/scheduler.py', 'nova.compute.utils'),
    ('cells/sync.py', 'nova.compute.utils'),
    ('scheduler/manager.py', 'nova.compute.utils'),
    ('cells/state.py', 'nova.scheduler.host_manager'),
    ('compute/cells_admin.py', 'nova.cells.state'),
    ('compute/host_api.py', 'nova.cells.utils'),
    ('objects/instance.py', 'nova.db._instances'),
    ('api/servers.py', 'nova.db.api'),
    ('api/servers.py', 'nova.compute.manager'),
    ('tools/soak.py', 'nova.tests.functional'),
    ('tools/launcher/deployment.py', 'nova.tests.real'),
]


def _lint_imports(package: pathlib.Path) -> subprocess.CompletedProcess:
    tool = BIN / 'lint-imports'
    if not tool.exists():
        pytest.skip('import-linter is not installed (pip install -e .[test])')
    env = dict(os.environ, PYTHONPATH=str(package.parent))
    return subprocess.run(
        [str(tool), '--no-cache', str(package / 'pyproject.toml')],
        cwd=package.parent, capture_output=True, text=True, env=env)


def _copy(tmp_path: pathlib.Path) -> pathlib.Path:
    copy = tmp_path / 'nova'
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        '.venv', '.git', 'state', 'build', '__pycache__', '*.egg-info',
        'results'))
    return copy


def test_the_package_keeps_its_contracts(tmp_path):
    result = _lint_imports(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize('importer, imported', LEAKS)
def test_a_leak_between_services_breaks_a_contract(tmp_path, importer,
                                                   imported):
    package = _copy(tmp_path)
    target = package.joinpath(*imported.split('.')[1:]).with_suffix('.py')
    if not target.exists() and not target.with_suffix('').is_dir():
        # A module that was moved away: put it back, as a revert would.
        target.write_text('"""Put back by the test."""\n')
    with open(package / importer, 'a') as source:
        source.write('\nimport %s  # noqa: E402,F401\n' % imported)
    result = _lint_imports(package)
    assert result.returncode != 0, result.stdout
    assert 'BROKEN' in result.stdout
