"""``tools/tempest``: tempest's compute API tests against a launcher tree.

Brings up (or reuses, when its work directory holds one) a
``tools/launch`` deployment with keystone and Glance, installs tempest
from the package index into ``.venvs/tempest`` (once), writes
``tempest.conf`` from the deployment (credentials, image and flavor
refs, the microversion range ``GET /v2.1`` advertises, the services and
features this project has), runs ``tempest.api.compute`` and writes a
summary into the results folder (``tools/tempest-results/`` by
default, git-ignored): ``summary.json`` and ``summary.txt`` with the
counts overall and per area, the failures grouped by cause and the skip
reasons.  Not part of ``.ci/run``: a run takes long.
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Iterable
import json
import pathlib
import subprocess
import sys
import time
from typing import Any

from nova.scheduler import manager as scheduler_manager
from nova.tools.launcher import Deployment
from nova.tools.launcher import LauncherError
from nova.tools.launcher import default_workdir
from nova.tools.launcher import neighbours
from nova.tools.launcher import venvs
from nova.tools.launcher.config import ini

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / 'tempest-results'
DEFAULT_PREFIX = 'novatempest'
TEMPEST_PACKAGES = ['tempest']
DEFAULT_REGEX = '^tempest.api.compute'
# The areas of the summary: the first whose marker is in a test's id.
AREAS = (
    ('server actions', ('servers.test_server_actions',
                        'servers.test_server_rescue',
                        'servers.test_server_personality',
                        'servers.test_instance_actions')),
    ('admin', ('compute.admin.',)),
    ('flavors', ('compute.flavors.',)),
    ('keypairs', ('compute.keypairs.',)),
    ('limits', ('compute.limits.',)),
    ('quotas', ('compute.quotas.', 'test_quotas')),
    ('images', ('compute.images.',)),
    ('security groups', ('security_groups',)),
    ('floating IPs', ('floating_ips',)),
    ('server groups', ('test_server_group',)),
    ('servers', ('compute.servers.',)),
)
# What this project has and lacks (see README, Server actions).
FEATURES = {
    'resize': True, 'cold_migration': True, 'live_migration': False,
    'pause': True, 'suspend': True, 'shelve': True, 'rescue': True,
    'snapshot': True, 'console_output': True, 'change_password': True,
    'interface_attach': False, 'config_drive': False,
    'metadata_service': False, 'personality': True,
    'vnc_console': False, 'spice_console': False, 'serial_console': False,
    'attach_encrypted_volume': False, 'block_migration_for_live_migration':
    False, 'volume_multiattach': False, 'disk_config': True,
    'hostname_fqdn_sanitization': False,
    # Rescue from an image of the server's own (hw_rescue_device and
    # hw_rescue_bus on that image); rescue of a volume-backed server is
    # skipped by tempest as it needs Cinder.
    'stable_rescue': True,
}


def area_of(test_id: str) -> str:
    for area, markers in AREAS:
        if any(marker in test_id for marker in markers):
            return area
    return 'other'


def microversions(api_url: str) -> tuple[str, str]:
    """(min, max) microversion ``GET /v2.1`` advertises."""
    _, _, body = neighbours.call(f'{api_url}/v2.1')
    version = (body or {}).get('version') or {}
    return (version.get('min_version') or '2.1',
            version.get('version') or '2.1')


ALT_IMAGE_NAME = 'cirros-alt'


def image_ids(dep: Deployment) -> list[str]:
    """The ids of the public images in Glance, the test image first;
    a second one (tempest's ``image_ref_alt``, which rebuild tests want
    distinct) is uploaded when there is none."""
    identity = dep.identity
    assert identity is not None
    glance_url = f'http://127.0.0.1:{dep.glance_port}'

    def active() -> list[dict[str, Any]]:
        _, _, body = neighbours.call(f'{glance_url}/v2/images',
                                     token=identity.token())
        return [i for i in (body or {}).get('images', [])
                if i['status'] == 'active']

    images = active()
    if len(images) < 2:
        neighbours.upload_test_image(identity, glance_url, ALT_IMAGE_NAME)
        images = active()
    images.sort(key=lambda i: i['name'] != neighbours.TEST_IMAGE_NAME)
    return [i['id'] for i in images]


def compute_hosts(dep: Deployment) -> int:
    """How many compute hosts the tree runs (tempest's
    ``min_compute_nodes``: two or more let its multi-node tests run)."""
    return sum(len(cell.compute_hosts) for cell in dep.cells)


def host_filters() -> str:
    """The names of the filters each cell's host scheduler applies, as
    Nova names them (tempest's ``scheduler_enabled_filters``)."""
    return ','.join(cls.__name__
                    for cls in scheduler_manager.DEFAULT_FILTERS)


def tempest_conf(dep: Deployment, workspace: pathlib.Path) -> str:
    identity = dep.identity
    assert identity is not None
    low, high = microversions(dep.api_url)
    images = image_ids(dep)
    return ini({
        'DEFAULT': {'log_file': workspace / 'tempest.log'},
        'oslo_concurrency': {'lock_path': workspace / 'locks'},
        'auth': {'admin_username': 'admin',
                 'admin_password': identity.admin_password,
                 'admin_project_name': 'admin',
                 'admin_domain_name': 'Default',
                 'use_dynamic_credentials': True,
                 'create_isolated_networks': False},
        'identity': {'uri_v3': identity.auth_url, 'auth_version': 'v3',
                     'region': neighbours.REGION},
        'identity-feature-enabled': {'api_v2': False},
        'compute': {'image_ref': images[0],
                    'image_ref_alt': images[-1],
                    'flavor_ref': '1', 'flavor_ref_alt': '2',
                    'min_microversion': low, 'max_microversion': high,
                    'build_timeout': 60, 'build_interval': 1,
                    'min_compute_nodes': compute_hosts(dep),
                    'region': neighbours.REGION},
        'compute-feature-enabled': dict(
            FEATURES, scheduler_enabled_filters=host_filters()),
        'image': {'build_timeout': 60, 'region': neighbours.REGION},
        'image-feature-enabled': {'api_v2': True, 'api_v1': False},
        'service_available': {'nova': True, 'glance': True,
                              'neutron': False, 'cinder': False,
                              'swift': False, 'heat': False,
                              'horizon': False},
        'validation': {'run_validation': False},
    }, 'tempest.conf written by tools/tempest. Holds the admin password.')


def deployment(args: argparse.Namespace) -> Deployment:
    """The deployment of ``--prefix``: reused when up, else brought up."""
    workdir = args.workdir or default_workdir(args.prefix)
    try:
        dep = Deployment.load(workdir)
        if dep.processes and not dep.dead_processes() and \
                dep.images == 'glance':
            print(f'reusing deployment {dep.prefix} in {workdir}')
            return dep
        if dep.processes or dep.created_databases:
            dep.down()
    except LauncherError:
        pass
    dep = Deployment(workdir, prefix=args.prefix, api_port=args.api_port,
                     auth='keystone', images='glance')
    try:
        dep.up(timeout=600)
    except BaseException:
        dep.down()
        raise
    return dep


def run(args: argparse.Namespace) -> int:
    venv = venvs.ensure_venv('tempest', TEMPEST_PACKAGES, print)
    dep = deployment(args)
    results = pathlib.Path(args.results).absolute()
    workspace = results / 'workspace'
    if not (workspace / '.stestr.conf').exists():
        results.mkdir(parents=True, exist_ok=True)
        # The registry of workspaces stays in the results folder too.
        subprocess.run([str(venv / 'bin' / 'tempest'), 'init',
                        '--workspace-path', str(results / 'workspaces.yaml'),
                        '--name', f'nova-{args.prefix}', str(workspace)],
                       check=True, stdout=subprocess.DEVNULL)
    (workspace / 'etc' / 'tempest.conf').write_text(
        tempest_conf(dep, workspace))
    started = time.monotonic()
    with open(results / 'tempest-run.log', 'w') as log:
        code = subprocess.run(
            [str(venv / 'bin' / 'tempest'), 'run', '--regex', args.regex,
             '--concurrency', str(args.concurrency)],
            cwd=workspace, stdout=log, stderr=subprocess.STDOUT,
            check=False).returncode
    elapsed = time.monotonic() - started
    stream = subprocess.run([str(venv / 'bin' / 'stestr'), 'last',
                             '--subunit'], cwd=workspace,
                            capture_output=True, check=False).stdout
    parsed = subprocess.run(
        [str(venv / 'bin' / 'python'), '-P',
         str(HERE / 'tempest_subunit.py')], input=stream,
        capture_output=True, check=True).stdout.decode()
    tests = [json.loads(line) for line in parsed.splitlines() if line]
    summary = summarize(tests, elapsed)
    (results / 'summary.json').write_text(json.dumps(summary, indent=2))
    text = format_summary(summary)
    (results / 'summary.txt').write_text(text)
    print(text)
    if not args.keep:
        dep.down()
    print(f'tempest exit {code}; results in {results}')
    return 0 if summary['failed'] == 0 and tests else 1


def summarize(tests: Iterable[dict[str, Any]], elapsed: float
              ) -> dict[str, Any]:
    """Counts overall and per area, failures by cause, skips by reason."""
    kinds = {'success': 'passed', 'fail': 'failed', 'skip': 'skipped',
             'xfail': 'passed', 'uxsuccess': 'failed'}
    total: collections.Counter[str] = collections.Counter()
    areas: dict[str, collections.Counter[str]] = {}
    causes: dict[str, list[str]] = collections.defaultdict(list)
    skips: collections.Counter[str] = collections.Counter()
    for test in tests:
        kind = kinds.get(test['status'], 'failed')
        total[kind] += 1
        areas.setdefault(area_of(test['id']),
                         collections.Counter())[kind] += 1
        if kind == 'failed':
            causes[test['reason'][:300] or '(no error text)'].append(
                test['id'].split('[')[0])
        elif kind == 'skipped':
            skips[test['reason'][:200] or '(no reason)'] += 1
    return {
        'seconds': round(elapsed),
        'passed': total['passed'], 'failed': total['failed'],
        'skipped': total['skipped'],
        'areas': {name: dict(counts) for name, counts in
                  sorted(areas.items())},
        'failures_by_cause': dict(sorted(
            causes.items(), key=lambda item: -len(item[1]))),
        'skip_reasons': dict(skips.most_common()),
    }


def format_summary(summary: dict[str, Any]) -> str:
    lines = [f"tempest.api.compute: {summary['passed']} passed, "
             f"{summary['failed']} failed, {summary['skipped']} skipped "
             f"in {summary['seconds']}s", '', 'per area:']
    for area, counts in summary['areas'].items():
        lines.append(f"  {area:16} {counts.get('passed', 0):4} passed "
                     f"{counts.get('failed', 0):4} failed "
                     f"{counts.get('skipped', 0):4} skipped")
    lines += ['', 'failures by cause:']
    for cause, tests in summary['failures_by_cause'].items():
        lines.append(f'  {len(tests):4}  {cause}')
        lines += [f'          {t}' for t in sorted(set(tests))[:5]]
    lines += ['', 'skip reasons:']
    lines += [f'  {count:4}  {reason}'
              for reason, count in summary['skip_reasons'].items()]
    return '\n'.join(lines) + '\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='tools/tempest', description='Run tempest.api.compute '
        'against a launcher tree with keystone and Glance.')
    parser.add_argument('--prefix', default=DEFAULT_PREFIX)
    parser.add_argument('--workdir')
    parser.add_argument('--api-port', type=int, default=0)
    parser.add_argument('--results', default=str(DEFAULT_RESULTS))
    parser.add_argument('--regex', default=DEFAULT_REGEX)
    parser.add_argument('--concurrency', type=int, default=2)
    parser.add_argument('--keep', action='store_true',
                        help='leave the deployment up afterwards')
    args = parser.parse_args(argv)
    try:
        return run(args)
    except LauncherError as exc:
        print(f'tempest: error: {exc}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
