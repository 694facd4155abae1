"""The launcher's keystone and Glance settings and the tempest summary,
without starting anything."""

import json
import pathlib

import pytest

from nova.tools import tempest_job
from nova.tools.launcher import Deployment
from nova.tools.launcher import LauncherError
from nova.tools.launcher import neighbours


def identity():
    return neighbours.Identity('http://127.0.0.1:5000', 'adm', 'nv', 'gl')


def test_glance_needs_keystone(tmp_path):
    with pytest.raises(LauncherError, match='needs --auth keystone'):
        Deployment(tmp_path, auth='noauth2', images='glance')
    with pytest.raises(LauncherError):
        Deployment(tmp_path, auth='basic')


def test_only_the_api_cell_is_configured_for_keystone_and_glance(tmp_path):
    dep = Deployment(tmp_path, prefix='t1', auth='keystone',
                     images='glance', api_port=8774)
    identity().save(tmp_path)
    dep._write_configs()
    api = pathlib.Path(dep.cell('api').conf).read_text()
    child = pathlib.Path(dep.cell('cella').conf).read_text()
    assert 'auth_strategy = keystone' in api
    assert '[keystone_authtoken]' in api and '[glance]' in api
    assert 'auth_url = http://127.0.0.1:5000/v3' in api
    assert 'keystone' not in child and '[glance]' not in child


def test_clouds_yaml_names_the_admin_of_the_deployment():
    clouds = json.loads(neighbours.clouds_yaml('demo', identity()))
    cloud = clouds['clouds']['demo']
    assert cloud['auth']['auth_url'] == 'http://127.0.0.1:5000/v3'
    assert cloud['auth']['password'] == 'adm'
    assert cloud['auth']['project_name'] == 'admin'


def test_tempest_summary_counts_by_area_cause_and_reason():
    tests = [
        {'id': 'tempest.api.compute.servers.test_servers.ServersTest.'
               'test_a[id-1]', 'status': 'success', 'reason': ''},
        {'id': 'tempest.api.compute.servers.test_server_actions.'
               'ServerActionsTest.test_reboot[id-2]', 'status': 'fail',
         'reason': 'NotFound: 404'},
        {'id': 'tempest.api.compute.admin.test_hosts.HostsTest.test_x',
         'status': 'fail', 'reason': 'NotFound: 404'},
        {'id': 'tempest.api.compute.floating_ips.test_fip.FipTest.'
               'test_y', 'status': 'skip', 'reason': 'Neutron disabled'},
    ]
    summary = tempest_job.summarize(tests, 12.0)
    assert (summary['passed'], summary['failed'],
            summary['skipped']) == (1, 2, 1)
    assert summary['areas']['server actions'] == {'failed': 1}
    assert summary['areas']['admin'] == {'failed': 1}
    assert summary['areas']['floating IPs'] == {'skipped': 1}
    assert len(summary['failures_by_cause']['NotFound: 404']) == 2
    assert summary['skip_reasons'] == {'Neutron disabled': 1}
    assert '1 passed, 2 failed, 1 skipped' in \
        tempest_job.format_summary(summary)


def test_tempest_learns_the_compute_hosts_and_filters_of_the_tree(
        tmp_path, monkeypatch):
    dep = Deployment(tmp_path, prefix='t2', auth='keystone',
                     images='glance', tree='api:cell1,cell2=3;cell1:gc1')
    identity().save(tmp_path)
    monkeypatch.setattr(tempest_job, 'microversions',
                        lambda url: ('2.1', '2.101'))
    monkeypatch.setattr(tempest_job, 'image_ids', lambda d: ['i1', 'i2'])
    conf = tempest_job.tempest_conf(dep, tmp_path)
    # gc1 runs the default two hosts, cell2 three, cell1 none.
    assert 'min_compute_nodes = 5' in conf
    filters = next(line for line in conf.splitlines()
                   if line.startswith('scheduler_enabled_filters = '))
    for name in ('SameHostFilter', 'DifferentHostFilter',
                 'ServerGroupAffinityFilter',
                 'ServerGroupAntiAffinityFilter'):
        assert name in filters.split(' = ')[1].split(',')
    assert 'stable_rescue = true' in conf


def test_the_wsgi_runner_hands_a_chunked_body_over_whole():
    import io

    from nova.tools.launcher import wsgi_runner

    seen = {}

    def app(environ, start_response):
        length = int(environ['CONTENT_LENGTH'])
        seen['body'] = environ['wsgi.input'].read(length)
        seen['chunked'] = 'HTTP_TRANSFER_ENCODING' in environ
        return []

    wire = io.BytesIO(b'5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n')
    wsgi_runner.dechunked(app)({'HTTP_TRANSFER_ENCODING': 'chunked',
                                'wsgi.input': wire}, None)
    assert seen == {'body': b'hello world', 'chunked': False}


def _keystone_manage_parser():
    """A ``keystone-manage`` command line as keystone declares it: an
    oslo.config sub-command whose ``bootstrap`` takes these options."""
    from oslo_config import cfg

    def add_parsers(subparsers):
        bootstrap = subparsers.add_parser('bootstrap')
        for name in ('password', 'admin-url', 'public-url', 'internal-url',
                     'region-id'):
            bootstrap.add_argument(f'--bootstrap-{name}')

    conf = cfg.ConfigOpts()
    conf.register_cli_opt(cfg.SubCommandOpt('command', handler=add_parsers))
    return conf


@pytest.mark.parametrize('password', ['-Bsa5mlq4HBttyp14SB_z56h',
                                      '--x', 'plain'])
def test_a_bootstrap_password_that_looks_like_an_option_is_passed_whole(
        password):
    conf = _keystone_manage_parser()
    conf(neighbours.bootstrap_argv(neighbours.Identity(
        'http://127.0.0.1:5000', password, 'nv', 'gl')), project='keystone',
        default_config_files=[], default_config_dirs=[])
    assert conf.command.bootstrap_password == password
    assert conf.command.bootstrap_region_id == neighbours.REGION


def test_a_command_line_is_logged_without_its_password():
    line = neighbours.shown(['keystone-manage', 'bootstrap',
                             '--bootstrap-password=s3cret', '--x', 'y'])
    assert 's3cret' not in line
    assert line == ('keystone-manage bootstrap --bootstrap-password=*** '
                    '--x y')
