"""nova-manage: cell create, update, delete and list."""

from __future__ import annotations

from collections.abc import Callable
import pathlib
import sqlite3
from typing import Any

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_config import cfg
import oslo_messaging
import pytest

from nova.cmd import manage
from nova.tests.unit.cmd.helpers import Result
from nova.tests.unit.cmd.helpers import assert_one_line_error

RunFn = Callable[..., Result]
PASSWORD = 'Zq9xPw7Lm'

pytestmark = pytest.mark.usefixtures('synced')


@pytest.fixture
def live(db_path: pathlib.Path) -> Callable[[str], dict[str, Any]]:
    """The stored live row of a cell, by name."""
    def get(name: str) -> dict[str, Any]:
        with sqlite3.connect(db_path) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute('SELECT * FROM cells WHERE name = ? AND '
                               'deleted = 0', (name,)).fetchone()
        assert row is not None, name
        return dict(row)
    return get


def _parse(url: str) -> oslo_messaging.TransportURL:
    return oslo_messaging.TransportURL.parse(cfg.ConfigOpts(), url)


def _create(nm: RunFn, name: str, *extra: str) -> Result:
    return nm('cell', 'create', '--name', name, *extra)


# -- create -----------------------------------------------------------------

def test_create_from_classic_options(nm: RunFn, live: Any) -> None:
    result = _create(nm, 'cell1', '--cell_type', 'child',
                     '--username', 'nova', '--password', PASSWORD,
                     '--hostname', 'rabbit1', '--port', '5673',
                     '--virtual_host', 'cell1', '--woffset', '2.5',
                     '--wscale', '-1')
    assert result == (0, 'Created child cell cell1\n', '')
    row = live('cell1')
    assert row['transport_url'] == (
        f'rabbit://nova:{PASSWORD}@rabbit1:5673/cell1')
    assert (row['is_parent'], row['weight_offset'], row['weight_scale']) == (
        0, 2.5, -1.0)


def test_create_defaults(nm: RunFn, live: Any) -> None:
    assert _create(nm, 'c', '--cell_type', 'parent',
                   '--hostname', 'h').code == 0
    row = live('c')
    assert row['transport_url'] == 'rabbit://h:5672/'
    assert (row['is_parent'], row['weight_offset'], row['weight_scale']) == (
        1, 0.0, 1.0)


@pytest.mark.parametrize('given_type, is_parent', [
    ('parent', 1), ('api', 1), ('child', 0), ('compute', 0)])
def test_cell_type_aliases(nm: RunFn, live: Any, given_type: str,
                           is_parent: int) -> None:
    assert _create(nm, 'c', '--cell-type', given_type,
                   '--transport-url', 'fake://').code == 0
    assert live('c')['is_parent'] == is_parent


def test_credentials_and_vhost_are_quoted(nm: RunFn, live: Any) -> None:
    password = 'p:w/d@!%# ,'
    assert _create(nm, 'c', '--cell_type', 'child', '--username', 'u@x:y',
                   '--password', password, '--hostname', 'h',
                   '--virtual_host', '/').code == 0
    url = _parse(live('c')['transport_url'])
    assert (url.hosts[0].username, url.hosts[0].password) == (
        'u@x:y', password)
    assert url.virtual_host == '/'
    assert (url.hosts[0].hostname, url.hosts[0].port) == ('h', 5672)


def test_broker_hosts(nm: RunFn, live: Any) -> None:
    assert _create(nm, 'c', '--cell_type', 'child', '--username', 'guest',
                   '--password', PASSWORD, '--port', '5700',
                   '--broker_hosts', 'h1:5673, h2,[::1]:5674',
                   '--virtual_host', 'v').code == 0
    url = _parse(live('c')['transport_url'])
    assert [(h.hostname, h.port, h.username, h.password)
            for h in url.hosts] == [
        ('h1', 5673, 'guest', PASSWORD), ('h2', 5700, 'guest', PASSWORD),
        ('::1', 5674, 'guest', PASSWORD)]
    assert url.virtual_host == 'v'


@pytest.mark.parametrize('url', [
    'rabbit://guest:guest@127.0.0.1:5672/cell1',
    'rabbit://a:b@h1:1,a:b@h2:2/',
    'kombu+memory:////cell1',
    'inproc://cell1',
    'fake://',
])
def test_create_with_transport_url(nm: RunFn, live: Any, url: str) -> None:
    assert _create(nm, 'c', '--cell_type', 'child',
                   '--transport-url', url).code == 0
    assert live('c')['transport_url'] == url


CREATE_ERRORS = [
    # (arguments after "cell create", fragment of the message)
    (['--cell_type', 'child', '--transport-url', 'fake://'],
     'the following arguments are required: --name'),
    (['--name', 'c'], 'the following arguments are required: --cell_type'),
    (['--name', 'c', '--cell_type', 'sibling', '--transport-url', 'fake://'],
     "invalid choice: 'sibling'"),
    (['--name', '', '--cell_type', 'child', '--transport-url', 'fake://'],
     'may not be empty'),
    (['--name', 'x' * 256, '--cell_type', 'child', '--hostname', 'h'],
     'longer than 255'),
    (['--name', 'c', '--cell_type', 'child'], 'a broker is needed'),
    (['--name', 'c', '--cell_type', 'child', '--username', 'u'],
     'a broker is needed'),
    (['--name', 'c', '--cell_type', 'child', '--transport-url', 'http://h/'],
     "unknown scheme 'http'"),
    (['--name', 'c', '--cell_type', 'child', '--transport-url', 'h:5672'],
     'unknown scheme'),
    (['--name', 'c', '--cell_type', 'child', '--transport-url', 'nothing'],
     'No scheme'),
    (['--name', 'c', '--cell_type', 'child', '--transport-url', 'rabbit:///'],
     'no broker host'),
    (['--name', 'c', '--cell_type', 'child',
      '--transport-url', f'rabbit://u:{PASSWORD}@h:port/'], 'bad host'),
    (['--name', 'c', '--cell_type', 'child',
      '--transport-url', f'rabbit://u:{PASSWORD}@h:99999/'], 'out of range'),
    (['--name', 'c', '--cell_type', 'child', '--transport-url', 'fake://',
      '--hostname', 'h'], 'cannot be combined'),
    (['--name', 'c', '--cell_type', 'child', '--hostname', 'h',
      '--broker_hosts', 'h1,h2'], 'cannot be combined'),
    (['--name', 'c', '--cell_type', 'child', '--hostname', 'a b'],
     'invalid broker host'),
    (['--name', 'c', '--cell_type', 'child', '--broker_hosts', 'h1:x'],
     'invalid --broker_hosts'),
    (['--name', 'c', '--cell_type', 'child', '--broker_hosts', 'h1,,h2'],
     'empty entry'),
    (['--name', 'c', '--cell_type', 'child', '--broker_hosts', 'h/1'],
     'invalid broker host'),
    (['--name', 'c', '--cell_type', 'child', '--hostname', 'h',
      '--port', 'x'], "invalid port: 'x'"),
    (['--name', 'c', '--cell_type', 'child', '--hostname', 'h',
      '--port', '70000'], 'out of range'),
    (['--name', 'c', '--cell_type', 'child', '--hostname', 'h',
      '--woffset', 'abc'], "invalid float value: 'abc'"),
    (['--name', 'c', '--cell_type', 'child', '--hostname', 'h',
      '--wscale', 'nan'], 'not a finite number'),
    (['--name', 'c', '--cell_type', 'child', '--hostname', 'h',
      '--wscale', 'inf'], 'not a finite number'),
    (['--name', 'c', '--cell_type', 'child', '--hostname', 'h', '--bogus'],
     'unrecognized arguments: --bogus'),
] + [
    (['--name', f'a{char}b', '--cell_type', 'child',
      '--transport-url', 'fake://'], 'may not contain')
    for char in '!@. \t\n'
]


@pytest.mark.parametrize('argv, fragment', CREATE_ERRORS)
def test_create_usage_errors(nm: RunFn, cell_rows: Any, argv: list[str],
                             fragment: str) -> None:
    before = cell_rows()
    result = nm('cell', 'create', *argv)
    assert_one_line_error(result, 2, fragment)
    assert PASSWORD not in result.err
    assert cell_rows() == before


def test_create_duplicate_name(nm: RunFn, cell_rows: Any) -> None:
    assert _create(nm, 'c', '--cell_type', 'child',
                   '--transport-url', 'fake://').code == 0
    before = cell_rows()
    assert_one_line_error(
        _create(nm, 'c', '--cell_type', 'parent', '--hostname', 'h'),
        1, 'A cell named c already exists')
    assert cell_rows() == before


def test_name_of_deleted_cell_can_be_reused(nm: RunFn, live: Any) -> None:
    args = ('--cell_type', 'child', '--transport-url', 'fake://')
    assert _create(nm, 'c', *args).code == 0
    assert nm('cell', 'delete', '--cell_name', 'c').code == 0
    assert _create(nm, 'c', *args).code == 0
    assert live('c')['deleted'] == 0


# -- delete -----------------------------------------------------------------

def test_delete(nm: RunFn, cell_rows: Any) -> None:
    assert _create(nm, 'c', '--cell_type', 'child',
                   '--transport-url', 'fake://').code == 0
    assert nm('cell', 'delete', '--cell_name', 'c') == (
        0, 'Deleted cell c\n', '')
    assert [row[4] != 0 for row in cell_rows()] == [True]  # soft-deleted
    assert ' c ' not in nm('cell', 'list').out


def test_delete_unknown_cell(nm: RunFn, cell_rows: Any) -> None:
    assert _create(nm, 'c', '--cell_type', 'child',
                   '--transport-url', 'fake://').code == 0
    before = cell_rows()
    assert_one_line_error(nm('cell', 'delete', '--cell_name', 'nope'), 1,
                          "Cell nope doesn't exist")
    assert cell_rows() == before


def test_delete_needs_name(nm: RunFn) -> None:
    assert_one_line_error(nm('cell', 'delete'), 2, '--cell_name')


# -- list -------------------------------------------------------------------

def test_list_empty(nm: RunFn) -> None:
    result = nm('cell', 'list')
    assert result.code == 0
    assert result.out.splitlines() == [
        '  '.join(manage.LIST_COLUMNS)]


def test_list_shows_parts_but_never_the_password(nm: RunFn) -> None:
    assert _create(nm, 'api', '--cell_type', 'api', '--username', 'guest',
                   '--password', PASSWORD, '--broker_hosts',
                   'r1:5673,r2:5674', '--virtual_host', 'top',
                   '--woffset', '1.5', '--wscale', '2').code == 0
    assert _create(nm, 'cell1', '--cell_type', 'child', '--transport-url',
                   f'rabbit://nova:{PASSWORD}@r3:5672/%2F').code == 0
    assert _create(nm, 'mem', '--cell_type', 'child', '--transport-url',
                   'kombu+memory:////mem').code == 0
    result = nm('cell', 'list')
    assert result.code == 0 and result.err == ''
    rows = [line.split() for line in result.out.splitlines()]
    assert rows[0] == list(manage.LIST_COLUMNS)
    assert [r[1:] for r in rows[1:]] == [
        ['api', 'parent', 'guest', 'r1', '5673', 'top', '1.5', '2'],
        ['api', 'parent', 'guest', 'r2', '5674', 'top', '1.5', '2'],
        ['cell1', 'child', 'nova', 'r3', '5672', '/', '0', '1'],
        ['mem', 'child', '-', '-', '-', '/mem', '0', '1'],
    ]
    # Not the password, nor any piece of it; not the URL either.
    for start in range(len(PASSWORD) - 2):
        assert PASSWORD[start:start + 3] not in result.out
    assert '://' not in result.out


def test_list_survives_unparsable_stored_url(nm: RunFn,
                                             db_path: pathlib.Path) -> None:
    # A URL written by another tool, which nova-manage would refuse.
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO cells (name, transport_url, is_parent, "
            "weight_offset, weight_scale, deleted) VALUES "
            f"('odd', 'gopher://x:{PASSWORD}@h/', 0, 0, 1, 0)")
    result = nm('cell', 'list')
    assert result.code == 0
    assert result.out.splitlines()[1].split()[1:] == [
        'odd', 'child', '?', '?', '?', '?', '0', '1']
    assert PASSWORD not in result.out and 'gopher' not in result.out


# -- update -----------------------------------------------------------------

@pytest.fixture
def cell1(nm: RunFn) -> None:
    assert _create(nm, 'cell1', '--cell_type', 'child', '--username', 'u',
                   '--password', 'old', '--broker_hosts', 'h1,h2:5673',
                   '--virtual_host', 'v1').code == 0


def test_update_password_keeps_the_rest(nm: RunFn, live: Any,
                                        cell1: None) -> None:
    assert nm('cell', 'update', '--cell_name', 'cell1',
              '--password', PASSWORD) == (0, 'Updated cell cell1\n', '')
    assert live('cell1')['transport_url'] == (
        f'rabbit://u:{PASSWORD}@h1:5672,u:{PASSWORD}@h2:5673/v1')


def test_update_port_and_host(nm: RunFn, live: Any, cell1: None) -> None:
    assert nm('cell', 'update', '--cell_name', 'cell1',
              '--port', '6000').code == 0
    assert live('cell1')['transport_url'] == (
        'rabbit://u:old@h1:6000,u:old@h2:6000/v1')
    assert nm('cell', 'update', '--cell_name', 'cell1',
              '--hostname', 'solo').code == 0
    assert live('cell1')['transport_url'] == 'rabbit://u:old@solo:5672/v1'


def test_update_other_fields(nm: RunFn, live: Any, cell1: None) -> None:
    assert nm('cell', 'update', '--cell_name', 'cell1', '--name', 'renamed',
              '--cell_type', 'api', '--woffset', '3', '--wscale', '0.5',
              '--transport-url', 'fake://').code == 0
    row = live('renamed')
    assert (row['transport_url'], row['is_parent'], row['weight_offset'],
            row['weight_scale']) == ('fake://', 1, 3.0, 0.5)


@pytest.mark.parametrize('argv, code, fragment', [
    ([], 2, 'nothing to update'),
    (['--wscale', 'x'], 2, 'invalid float'),
    (['--name', 'a.b'], 2, 'may not contain'),
    (['--transport-url', 'http://h/'], 2, 'unknown scheme'),
    (['--transport-url', 'fake://', '--password', 'x'], 2,
     'cannot be combined'),
    (['--name', 'other'], 1, 'A cell named other already exists'),
])
def test_update_errors(nm: RunFn, cell_rows: Any, cell1: None,
                       argv: list[str], code: int, fragment: str) -> None:
    assert _create(nm, 'other', '--cell_type', 'child',
                   '--transport-url', 'fake://').code == 0
    before = cell_rows()
    result = nm('cell', 'update', '--cell_name', 'cell1', *argv)
    assert_one_line_error(result, code, fragment)
    assert cell_rows() == before


def test_update_unknown_cell(nm: RunFn) -> None:
    assert_one_line_error(
        nm('cell', 'update', '--cell_name', 'nope', '--wscale', '2'), 1,
        "Cell nope doesn't exist")


# -- the URL builder --------------------------------------------------------

_text = st.text(st.characters(codec='utf-8'), max_size=20)


@settings(max_examples=200, deadline=None)
@given(username=_text, password=_text, vhost=_text)
def test_broker_spec_round_trips(username: str, password: str,
                                 vhost: str) -> None:
    spec = manage.BrokerSpec(username=username, password=password,
                             hosts=[('h1', 1), ('::1', 2)],
                             virtual_host=vhost)
    url = _parse(spec.to_url())
    assert [(h.username, h.password, h.hostname, h.port)
            for h in url.hosts] == [(username, password, 'h1', 1),
                                    (username, password, '::1', 2)]
    assert (url.virtual_host or '') == vhost


def test_update_disables_and_enables(nm: RunFn, live: Any,
                                     cell1: None) -> None:
    assert live('cell1')['disabled'] == 0
    assert nm('cell', 'update', '--cell_name', 'cell1',
              '--disable') == (0, 'Updated cell cell1\n', '')
    assert live('cell1')['disabled'] == 1
    assert nm('cell', 'update', '--cell_name', 'cell1',
              '--enable').code == 0
    assert live('cell1')['disabled'] == 0
    result = nm('cell', 'update', '--cell_name', 'cell1', '--enable',
                '--disable')
    assert result.code == 2
    assert live('cell1')['disabled'] == 0
