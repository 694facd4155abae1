"""``nova-manage cell tree`` against a running tree."""

import logging
import sys

import pytest

from nova.cmd import manage

TREE = {'api': ('api', []),
        'cell1': ('compute', ['api']),
        'cell2': ('compute', ['api']),
        'gc1': ('compute', ['cell1'])}


@pytest.fixture(autouse=True)
def _restore_logging():
    # nova-manage sets up oslo.log on the root logger.
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
def deep_tree(tree_factory):
    tree = tree_factory(TREE, compute_hosts=2,
                        services={'api': ['cells'], 'cell1': ['cells']},
                        overrides={'api': {('call_timeout', 'cells'): 2},
                                   # Only the test decides when gc1 is mute.
                                   'gc1': {('capacity_update_interval',
                                            'cells'): 3600}})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    tree.wait_for_capacities('cell1', ['gc1'])
    return tree


def _conf_file(tmp_path, tree, url=None, enable=True):
    path = tmp_path / 'manage.conf'
    path.write_text(
        '[DEFAULT]\ntransport_url = %s\n'
        '[database]\nconnection = %s\n'
        '[cells]\nenable = %s\nname = api\ncell_type = api\n'
        'call_timeout = 2\n'
        % (url or tree.url('api'), tree.confs['api'].database.connection,
           enable))
    return str(path)


def _run(capsys, *argv):
    capsys.readouterr()
    code = manage.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tree_shows_every_cell_with_its_state(deep_tree, tmp_path, capsys,
                                              monkeypatch):
    conf = _conf_file(tmp_path, deep_tree)
    state = deep_tree.cells_manager('cell1').state
    # gc1 still answers, but cell1 stops hearing its reports: mute.
    monkeypatch.setattr(state, 'update_cell_capacities',
                        lambda name, capacities: None)
    monkeypatch.setattr(state, 'update_cell_capabilities',
                        lambda name, capabilities: None)
    state.get_child_cell('gc1').last_seen = state.clock() - 10000
    code, out, err = _run(capsys, '--config-file', conf, 'cell', 'tree')
    assert (code, err) == (0, '')
    lines = out.splitlines()
    ram = deep_tree.confs['gc1'].fake_driver.memory_mb
    below = 'free with cells below: RAM %d MB, disk '
    assert lines[0].startswith('api  (api cell, this cell)  own hosts 0/0 '
                               'up; ' + below % (4 * ram))
    assert lines[1].startswith('|-- cell1  ok  own hosts 0/0 up; '
                               + below % (2 * ram))
    assert lines[2].startswith('|   `-- gc1  MUTE (last report 10000 s '
                               'ago)  own hosts 2/2 up; ' + below % (2 * ram))
    assert lines[3].startswith('`-- cell2  ok  own hosts 2/2 up; ')
    assert len(lines) == 4

    deep_tree.service('cell2', 'cells').stop()
    code, out, err = _run(capsys, '--config-file', conf, 'cell', 'tree')
    assert code == 0
    assert out.splitlines()[3] == '`-- cell2  NO ANSWER'


def test_tree_without_nova_cells_is_a_one_line_error(deep_tree, tmp_path,
                                                     capsys):
    conf = _conf_file(tmp_path, deep_tree, url='inproc://nobody-listens')
    code, out, err = _run(capsys, '--config-file', conf, 'cell', 'tree',
                          '--timeout', '0.5')
    assert (code, out) == (1, '')
    assert err.splitlines() == [
        'nova-manage: error: Service unavailable: nova-cells of cell api '
        'did not answer in time; is it running?']

    conf = _conf_file(tmp_path, deep_tree, enable=False)
    code, out, err = _run(capsys, '--config-file', conf, 'cell', 'tree')
    assert code == 1
    assert 'cells are not enabled' in err
