"""A broker password full of URL syntax, given through os-cells, is used
whole and shown nowhere (issue 17, item 6).

The API cell's nova-cells builds the new neighbour's transport URL from
it and sends to that neighbour at once; everything logged meanwhile (by
any logger, at any level) and every API answer is searched for any
three-character piece of the password, raw or URL-encoded.
"""

from __future__ import annotations

import json
import logging
from urllib import parse

import kombu
import oslo_messaging
from oslo_messaging._drivers import impl_rabbit

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

PASSWORD = 'Zq@bX:qJ/9#x%w?K&é密'
USERNAME = 'cells-user'


def _pieces(secret: str) -> set[str]:
    """Every three-character piece, raw and as URLs and JSON encode it."""
    pieces = set()
    for i in range(len(secret) - 2):
        piece = secret[i:i + 3]
        pieces.update({piece, parse.quote(piece, safe=''),
                       parse.quote(piece), json.dumps(piece)[1:-1]})
    return pieces


def _leaks(text: str) -> list[str]:
    return sorted(p for p in _pieces(PASSWORD) if p in text)


def test_a_hostile_password_is_used_whole_and_shown_nowhere(tree_factory,
                                                            caplog):
    caplog.set_level(logging.DEBUG)
    tree = rc.api_tree(tree_factory(registry='db'))
    answers = []

    def admin(method, path, body=None):
        code, payload = rc.request(tree, method, path, body,
                                   token=rc.ADMIN)
        answers.append(json.dumps(payload, ensure_ascii=False))
        answers.append(json.dumps(payload))
        return code, payload

    cell = {'name': 'cell3', 'type': 'child',
            'rpc_host': tree.tag + '-cell3', 'rpc_port': 5672,
            'username': USERNAME, 'password': PASSWORD}
    # Refused bodies quote what they refuse, but not the password.
    code, _ = admin('POST', '/os-cells', {'cell': dict(cell, bogus=1)})
    assert code == 400
    code, _ = admin('POST', '/os-cells', {'cell': dict(cell, name='c!3')})
    assert code == 400

    code, created = admin('POST', '/os-cells', {'cell': cell})
    assert code == 200, created
    assert created['cell']['username'] == USERNAME
    code, _ = admin('PUT', '/os-cells/cell3',
                    {'cell': {'password': PASSWORD + '2', 'rpc_port': 5673}})
    assert code == 200
    for path in ('/os-cells', '/os-cells/detail', '/os-cells/cell3'):
        code, _ = admin('GET', path)
        assert code == 200

    # The URL nova-cells stored and sends with carries the password
    # whole, to oslo.messaging and to the rabbit driver's kombu URL.
    [row] = [r for r in tree.db('api').cell_get_all(
        nova_context.get_admin_context()) if r['name'] == 'cell3']
    conf = tree.confs['api']
    url = oslo_messaging.TransportURL.parse(conf, row['transport_url'])
    [host] = url.hosts
    assert (host.username, host.password) == (USERNAME, PASSWORD + '2')
    # The same URL on RabbitMQ (the embedded tree's scheme is inproc).
    url.transport = 'rabbit'
    kombu_url = impl_rabbit.Connection._transform_transport_url(
        None, url, host)
    assert kombu.Connection(kombu_url).password == PASSWORD + '2'

    # nova-cells used it: it sent to the new child over that URL.
    manager = tree.cells_manager('api')
    wait_for(lambda: manager.state.get_child_cell('cell3'),
             what='cell3 known to nova-cells')
    manager.ask_children_to_report()
    wait_for(lambda: row['transport_url'] in manager.driver.transports
             ._transports, what='a transport to cell3')

    logged = [caplog.text]
    for record in caplog.records:
        logged.append(record.getMessage())
        logged.append(repr(record.args))
    assert _leaks('\n'.join(logged)) == []
    assert _leaks('\n'.join(answers)) == []
