"""Malformed inter-cell messages never reach a handler (issue 17, item 8).

Each is rejected before anything runs, with exactly one log line, no
traceback, and no identity of an earlier request in that line.
"""

from __future__ import annotations

import logging
from typing import Any

from oslo_config import cfg
from oslo_log import formatters
from oslo_log import log as oslo_logging
import pytest

from nova import context as nova_context
from nova.cells import messaging
from nova.tests.unit.cells.test_messaging import CTXT
from nova.tests.unit.cells.test_messaging import build


def _targeted(**changes: Any) -> dict[str, Any]:
    """A sound targeted message from api that reached c1, changed."""
    runners, _, _ = build({'api': [], 'c1': ['api']})
    message = messaging._TargetedMessage(runners['api'], CTXT, 'whoami', {},
                                         'down', 'api!c1')
    data = message.to_primitive()
    data.update(routing_path='api!c1', hop_count=1)
    data.update(changes)
    return data


def _broadcast(**changes: Any) -> dict[str, Any]:
    runners, _, _ = build({'api': [], 'c1': ['api']})
    message = messaging._BroadcastMessage(runners['api'], CTXT, 'whoami', {},
                                          'down')
    data = message.to_primitive()
    data.update(routing_path='api!c1', hop_count=1)
    data.update(changes)
    return data


def _response(payload: Any = None, kind: str = messaging.TARGETED,
              **changes: Any) -> dict[str, Any]:
    """A response from api that reached c1, its destination."""
    data = _targeted(message_type=messaging.RESPONSE, target_cell='api!c1',
                     response_kind=kind, method_kwargs={'payload': payload})
    data.update(changes)
    return data


def _context(**fields: Any) -> dict[str, Any]:
    return dict(CTXT.to_dict(), **fields)


ANSWER = {'cell_name': 'api', 'value': 1, 'failure': False}

# The three shapes of the issue, then the rest of what is now checked.
MALFORMED = {
    'roles not a list': _targeted(ctxt=_context(roles=12)),
    'response without payload': _response(method_kwargs={}),
    'one-name path at hop 1': _broadcast(need_response=True,
                                         routing_path='c1'),
    'role not a string': _targeted(ctxt=_context(roles=[1])),
    'is_admin not a boolean': _targeted(ctxt=_context(is_admin='yes')),
    'read_deleted unknown': _targeted(ctxt=_context(read_deleted='maybe')),
    'user_id a number': _targeted(ctxt=_context(user_id=5)),
    'project_id a list': _targeted(ctxt=_context(project_id=['p'])),
    'a structure in the context': _targeted(ctxt=_context(extra={'a': 1})),
    'targeted without target': {
        k: v for k, v in _targeted().items() if k != 'target_cell'},
    'broadcast with a target': _broadcast(target_cell='api!c1'),
    'response without kind': {
        k: v for k, v in _response(ANSWER).items() if k != 'response_kind'},
    'response without target': {
        k: v for k, v in _response(ANSWER).items() if k != 'target_cell'},
    'answer without cell name': _response({'value': 1, 'failure': False}),
    'answer with a failure not serialized': _response(
        {'cell_name': 'api', 'value': {'x': 1}, 'failure': True}),
    'answer with a failure of no exception': _response(
        {'cell_name': 'api', 'value': '{"tb": 5}', 'failure': True}),
    'answer with a failure not JSON': _response(
        {'cell_name': 'api', 'value': 'not json', 'failure': True}),
    'broadcast answers not a list': _response(
        {'responses': 5, 'missing': []}, kind=messaging.BROADCAST),
    'broadcast answers without missing': _response(
        {'responses': [ANSWER]}, kind=messaging.BROADCAST),
    'path longer than hops': _targeted(routing_path='api!x!c1',
                                       target_cell='api!x!c1'),
    'path shorter than hops': _targeted(hop_count=2),
    'path not ending here': _targeted(routing_path='api!c9',
                                      target_cell='api!c9'),
    'empty name in path': _broadcast(routing_path='api!!c1', hop_count=2),
    'empty name in target': _targeted(target_cell='api!c1!'),
}


class _Collect(logging.Handler):
    """Lines as nova's services log them, with oslo.log's formatter
    (which stamps each with the current request context)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        conf = cfg.ConfigOpts()
        oslo_logging.register_options(conf)
        conf([], default_config_files=[])
        self.setFormatter(formatters.ContextFormatter(config=conf,
                                                      project='nova'))
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.mark.parametrize('name', sorted(MALFORMED))
def test_malformed_message_is_rejected_before_anything_runs(name, log_lines):
    runners, wire, calls = build({'api': [], 'c1': ['api']})
    runners['c1'].process_incoming(MALFORMED[name])
    assert runners['c1'].rejected == 1
    assert calls == []
    [record] = log_lines.records
    assert record.levelno == logging.ERROR
    assert record.getMessage().startswith('Rejected inter-cell message')
    assert record.exc_info is None
    assert 'Traceback' not in log_lines.lines[0]


def test_a_waiting_sender_of_a_rejected_broadcast_gets_an_error(log_lines):
    runners, wire, calls = build({'api': [], 'c1': ['api']})
    runner = runners['api']
    message = messaging._BroadcastMessage(runner, CTXT, 'whoami', {}, 'down',
                                          need_response=True)
    waiter = runner.add_waiter(message.uuid, ['c1'])
    data = message.to_primitive()
    data.update(routing_path='api!c1', hop_count=1,
                ctxt=_context(roles=12))
    runners['c1'].process_incoming(data)
    answers = runner.wait(message.uuid, waiter, 2)
    [response] = answers['c1']['responses']
    assert response.failure
    assert 'roles' in str(response.value)
    assert calls == []
    assert len(log_lines.records) == 1


def test_a_rejection_is_logged_without_an_earlier_requests_identity(
        log_lines):
    runners, _, calls = build({'api': [], 'c1': ['api']})
    # A request this worker thread served earlier, and logged for.
    earlier = nova_context.RequestContext('alice-user', 'alice-project')
    logging.getLogger('nova.test').info('served %s', earlier.request_id)
    assert 'alice-user' in log_lines.lines[-1]

    bad = _targeted(ctxt=_context(roles=12, user_id='mallory-user'))
    runners['c1'].process_incoming(bad)
    rejection = log_lines.lines[-1]
    assert 'Rejected inter-cell message' in rejection
    for identity in ('alice-user', 'alice-project', earlier.request_id,
                     'mallory-user'):
        assert identity not in rejection


def test_sound_messages_still_run_and_answer():
    runners, _, calls = build({'api': [], 'c1': ['api'], 'gc': ['c1']})
    response = runners['api'].targeted(CTXT, 'api!c1!gc', 'whoami', {},
                                       need_response=True)
    assert response.value_or_raise() == 'gc'
    result = runners['api'].broadcast(CTXT, 'whoami', {}, 'down',
                                      need_response=True)
    assert sorted(r.value for r in result) == ['api', 'c1', 'gc']
    assert all(r.rejected == 0 for r in runners.values())
