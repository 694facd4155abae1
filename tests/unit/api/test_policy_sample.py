"""etc/nova/policy.yaml is what oslopolicy-sample-generator makes of the
rules in the code (through the ``oslo.policy.policies`` entry point)."""

from __future__ import annotations

from importlib import metadata
import pathlib
import subprocess
import sys

import pytest

import nova

SAMPLE = pathlib.Path(nova.__file__).resolve().parent / 'etc' / 'nova' / \
    'policy.yaml'


def _generator() -> str:
    path = pathlib.Path(sys.executable).parent / 'oslopolicy-sample-generator'
    if not path.exists():
        pytest.skip('oslopolicy-sample-generator is not installed')
    return str(path)


def test_entry_point_names_the_rules():
    points = [p for p in metadata.entry_points(
        group='oslo.policy.policies') if p.name == 'nova']
    assert points, ('the nova entry point is missing: reinstall the project '
                    "(pip install -e '.[test]')")
    from nova.api import policy
    assert points[0].load() is policy.list_rules


def test_sample_is_up_to_date(tmp_path):
    output = tmp_path / 'policy.yaml'
    subprocess.run([_generator(), '--namespace', 'nova', '--output-file',
                    str(output)], check=True, cwd=tmp_path,
                   capture_output=True, timeout=120)
    assert output.read_text() == SAMPLE.read_text(), (
        'etc/nova/policy.yaml is stale: regenerate it with tools/gen-policy')
