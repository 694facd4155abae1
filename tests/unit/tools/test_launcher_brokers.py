"""The launcher's RabbitMQ nodes of a deployment's own and its all-in-one
cells, and the scale benchmark's settings, without starting anything."""

import base64
import configparser
import hashlib
import json
import os
import stat
import subprocess

import pytest

from nova.tools.bench import deploy
from nova.tools.bench import scale
from nova.tools.launcher import Backends
from nova.tools.launcher import Deployment
from nova.tools.launcher import LauncherError
from nova.tools.launcher import brokers
from nova.tools.launcher import config


def node(tmp_path, name='t_1@localhost', port=25001, vhosts=('t_api',)):
    return brokers.RabbitNode(name=name, port=port, dist_port=port + 1,
                              base=str(tmp_path / name.split('@')[0]),
                              home=str(tmp_path / 'home'),
                              vhosts=list(vhosts))


def read_ini(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser


def test_definitions_grant_the_user_every_vhost_once():
    defs = json.loads(brokers.definitions(['b', 'a', 'b'], 'guest', 'pw'))
    assert [v['name'] for v in defs['vhosts']] == ['a', 'b']
    assert [(p['vhost'], p['configure'], p['read'], p['write'])
            for p in defs['permissions']] == [('a', '.*', '.*', '.*'),
                                               ('b', '.*', '.*', '.*')]
    user, = defs['users']
    assert user['name'] == 'guest'
    raw = base64.b64decode(user['password_hash'])
    salt, digest = raw[:4], raw[4:]
    assert digest == hashlib.sha256(salt + b'pw').digest()


def test_the_api_cell_on_the_first_node_the_others_round_robin():
    assert [brokers.node_of(i, 3) for i in range(7)] == [0, 0, 1, 2, 0, 1,
                                                         2]
    assert [brokers.node_of(i, 1) for i in range(3)] == [0, 0, 0]


def test_a_node_ignores_the_system_nodes_environment(tmp_path,
                                                     monkeypatch):
    monkeypatch.setenv('RABBITMQ_NODENAME', 'rabbit@localhost')
    monkeypatch.setenv('ERL_FLAGS', '-x')
    env = node(tmp_path).env()
    assert env['RABBITMQ_NODENAME'] == 't_1@localhost'
    assert env['RABBITMQ_NODE_PORT'] == '25001'
    assert env['RABBITMQ_DIST_PORT'] == '25002'
    assert env['HOME'] == str(tmp_path / 'home')
    assert env['RABBITMQ_CONF_ENV_FILE'].startswith(str(tmp_path))
    assert 'ERL_FLAGS' not in env


def test_a_node_listens_on_loopback_and_loads_its_vhosts(tmp_path):
    rabbit = node(tmp_path, vhosts=('t_api', 't_c1'))
    rabbit.write_files('guest', 'pw')
    conf = (tmp_path / 't_1' / 'rabbitmq.conf').read_text()
    assert 'listeners.tcp.1 = 127.0.0.1:25001' in conf
    defs_path = tmp_path / 't_1' / 'definitions.json'
    assert f'load_definitions = {defs_path}' in conf
    assert stat.S_IMODE(os.stat(defs_path).st_mode) == 0o600
    defs = json.loads(defs_path.read_text())
    assert [v['name'] for v in defs['vhosts']] == ['t_api', 't_c1']


def test_planned_nodes_have_their_own_ports_and_a_private_cookie(
        tmp_path):
    changes = []
    nodes = brokers.NodeSet('tplan', lambda: changes.append(1), print)
    nodes.plan(3, [['a'], ['b'], ['c']])
    try:
        ports = [p for n in nodes.nodes for p in (n.port, n.dist_port)]
        assert len(set(ports)) == 6
        assert [n.name for n in nodes.nodes] == [
            'tplan_1@localhost', 'tplan_2@localhost', 'tplan_3@localhost']
        cookie = os.path.join(nodes.nodes[0].home, '.erlang.cookie')
        assert stat.S_IMODE(os.stat(cookie).st_mode) == 0o400
        assert changes
    finally:
        root = nodes.root
        assert nodes.stop() == []  # none started: the folder goes
    assert not os.path.exists(root)
    assert nodes.leftovers() == []


def test_rabbitmqctl_aims_at_the_deployments_node(monkeypatch, tmp_path):
    seen = {}

    def run(argv, **kwargs):
        seen.update(argv=argv, env=kwargs.get('env'))
        return subprocess.CompletedProcess(argv, 0, 'ok', '')

    monkeypatch.setattr(subprocess, 'run', run)
    backends = Backends(rabbit_port=25001, rabbit_node='t_1@localhost',
                        rabbit_home=str(tmp_path))
    assert backends.rabbitmqctl('list_vhosts') == 'ok'
    assert seen['argv'][1:] == ['-q', '-n', 't_1@localhost', 'list_vhosts']
    assert seen['env']['HOME'] == str(tmp_path)


def test_cells_use_the_node_holding_their_vhost(tmp_path):
    dep = Deployment(tmp_path, prefix='t', tree='api:c1,c2,c3',
                     computes_per_cell=1, rabbit_nodes=2)
    dep.brokers.nodes = [node(tmp_path, 't_1@localhost', 25001,
                              ['t_api', 't_c1', 't_c3']),
                         node(tmp_path, 't_2@localhost', 25011, ['t_c2'])]
    assert dep.cell_backends(dep.cell('c2')).transport_url('t_c2') == \
        'rabbit://guest:guest@127.0.0.1:25011/t_c2'
    assert dep.cell_backends(dep.cell('c3')).rabbit_node == 't_1@localhost'
    assert set(dep.node_backends()) == {'t_1@localhost', 't_2@localhost'}
    dep.save_state()
    again = Deployment.load(tmp_path)
    assert again.rabbit_nodes == 2
    assert [n.port for n in again.brokers.nodes] == [25001, 25011]


def test_rabbit_nodes_are_bounded(tmp_path):
    with pytest.raises(LauncherError, match='--rabbit-nodes'):
        Deployment(tmp_path, rabbit_nodes=99)


def test_an_all_in_one_cell_is_one_nova_all_process(tmp_path):
    dep = Deployment(tmp_path, prefix='t', tree='api:c1=2,c2=1',
                     all_in_one=True)
    # nova-api and nova-cells at the top, one process per child cell.
    assert dep.daemon_count() == 4
    path = tmp_path / 'c1-cell.conf'
    path.write_text(config.all_in_one_config(dep.cell('c1'), '/s/c1', False))
    top = read_ini(path)
    assert top['all']['cell_config_files'] == dep.cell('c1').conf
    assert top['all']['compute_hosts'] == 'c1-compute1,c1-compute2'
    assert top['DEFAULT']['state_path'] == '/s/c1'


def test_bench_all_in_one_puts_the_nodes_and_small_pool_in_the_cell(
        tmp_path, monkeypatch):
    monkeypatch.setattr(Deployment, '_pool', lambda self: (9, 9))
    dep = deploy.BenchDeployment(
        tmp_path, prefix='t', tree='api:c1=1', all_in_one=True,
        nodes_per_compute=3, overrides={'database': {'max_pool_size': 4}},
        leaf_overrides={'database': {'max_pool_size': 1,
                                     'max_overflow': 0}})
    dep._write_configs()
    cell = read_ini(dep.cell('c1').conf)
    assert cell['fake_driver']['nodes'] == \
        'c1-compute1-n1,c1-compute1-n2,c1-compute1-n3'
    assert cell['database']['max_pool_size'] == '1'
    assert cell['database']['max_overflow'] == '0'
    assert read_ini(dep.cell('api').conf)['database']['max_pool_size'] \
        == '4'
    with pytest.raises(ValueError, match='one compute host'):
        deploy.BenchDeployment(tmp_path, prefix='t', tree='api:c1=2',
                               all_in_one=True, nodes_per_compute=3)


def test_scale_plans_brokers_and_the_fitting_tree(monkeypatch):
    assert scale.brokers_for(75) == 4
    assert scale.brokers_for(4, 3) == 2
    monkeypatch.setattr(deploy, 'mariadb_connections',
                        lambda backends: {'max': 151, 'open': 10,
                                          'ours': 0})
    monkeypatch.setattr(scale.common, 'mem_available', lambda: 40 * 2**30)
    fit = scale.planned(75, None)
    # 110 at most for the tree: the API cell's two pools, the tools'
    # connections and one per child cell.
    assert fit['by_db_connections'] == 110 - 16 - 4
    assert fit['cells'] == 75
    monkeypatch.setattr(deploy, 'mariadb_connections',
                        lambda backends: {'max': 151, 'open': 80,
                                          'ours': 0})
    assert scale.planned(75, None)['cells'] == 151 - 80 - 30 - 16 - 4
