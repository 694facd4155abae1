"""Routing of inter-cell messages over an in-memory wire."""

import threading

import pytest

from nova import conf as nova_conf
from nova import context as nova_context
from nova import exception
from nova.cells import messaging
from nova.cells import state as cells_state
from nova.tools.polling import record_waits
from nova.tools.polling import wait_for


class Wire:
    """Delivers each message to the runner of the addressed cell, on a
    thread of its own, unless that cell is cut off."""

    def __init__(self):
        self.runners = {}
        self.cut = set()
        self.sent = []

    def send_message_to_cell(self, cell, message_type, ctxt, data, fanout):
        self.sent.append((cell.transport_url, message_type, fanout))
        if cell.transport_url in self.cut:
            return
        runner = self.runners[cell.transport_url]
        threading.Thread(target=runner.process_incoming, args=(data,),
                         daemon=True).start()


class Echo:
    """Handlers recording where they ran."""

    def __init__(self, name, calls):
        self.name = name
        self.calls = calls

    def whoami(self, message, suffix=''):
        self.calls.append(self.name)
        return self.name + suffix

    def explode(self, message):
        raise exception.InstanceNotFound(instance_id='abc')

    def crash(self, message):
        raise RuntimeError('not a nova error')


def _conf(name, call_timeout=2, max_hop_count=10):
    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    conf.set_override('name', name, 'cells')
    conf.set_override('call_timeout', call_timeout, 'cells')
    conf.set_override('max_hop_count', max_hop_count, 'cells')
    return conf


def build(topology, **conf_kwargs):
    """``{name: [parent names]}`` -> runners joined by a Wire."""
    wire = Wire()
    calls = []
    runners = {}
    for name in topology:
        state = cells_state.CellStateManager(_conf(name, **conf_kwargs),
                                             db=None)
        for parent in topology[name]:
            cell = cells_state.CellState(parent)
            cell.update_db_info({'transport_url': 'wire://' + parent,
                                 'is_parent': True})
            state.parent_cells[parent] = cell
        for child, parents in topology.items():
            if name in parents:
                cell = cells_state.CellState(child)
                cell.update_db_info({'transport_url': 'wire://' + child})
                state.child_cells[child] = cell
        echo = Echo(name, calls)
        runner = messaging.MessageRunner(
            state.conf, state, wire,
            handlers={messaging.TARGETED: echo, messaging.BROADCAST: echo})
        runners[name] = runner
        wire.runners['wire://' + name] = runner
    return runners, wire, calls


TREE = {'api': [], 'c1': ['api'], 'c2': ['api'], 'c3': ['api'],
        'c4': ['api'], 'gc1': ['c1'], 'gc2': ['c1'], 'gc3': ['c2'],
        'api2': [], 'shared': ['api', 'api2']}
CTXT = nova_context.RequestContext('u', 'p')


def test_targeted_call_reaches_grandchild_and_answers():
    runners, _, calls = build(TREE)
    response = runners['api'].targeted(CTXT, 'api!c1!gc2', 'whoami',
                                       {'suffix': '!'}, need_response=True)
    assert response.value_or_raise() == 'gc2!'
    assert response.cell_name == 'api!c1!gc2'
    assert calls == ['gc2']


def test_targeted_call_up_from_grandchild():
    runners, _, _ = build(TREE)
    response = runners['gc3'].targeted(CTXT, 'gc3!c2!api', 'whoami', {},
                                       direction='up', need_response=True)
    assert response.value == 'api'


def test_cell_with_two_parents_reaches_both():
    runners, _, _ = build(TREE)
    for top in ('api', 'api2'):
        response = runners['shared'].targeted(
            CTXT, 'shared!' + top, 'whoami', {}, direction='up',
            need_response=True)
        assert response.value == top


@pytest.mark.parametrize('target', ['api!nope', 'api!c1!nope', 'other!c1',
                                    'api!c1!gc1!deeper'])
def test_unreachable_target_is_a_typed_routing_error(target):
    # The error comes back as the answer: were it lost, the caller would
    # get a CellTimeout instead.
    runners, _, calls = build(TREE)
    with pytest.raises(exception.CellRoutingInconsistency):
        runners['api'].targeted(CTXT, target, 'whoami', {},
                                need_response=True).value_or_raise()
    assert calls == []


def test_unreachable_target_of_a_cast_raises_at_the_origin():
    runners, _, _ = build(TREE)
    with pytest.raises(exception.CellRoutingInconsistency):
        runners['api'].targeted(CTXT, 'api!nope', 'whoami', {})


def test_hop_limit_comes_back_as_an_error():
    runners, _, calls = build(TREE, max_hop_count=1)
    response = runners['api'].targeted(CTXT, 'api!c1!gc1', 'whoami', {},
                                       need_response=True)
    with pytest.raises(exception.CellMaxHopCountReached):
        response.value_or_raise()
    assert calls == []


def test_remote_nova_error_keeps_its_class():
    runners, _, _ = build(TREE)
    response = runners['api'].targeted(CTXT, 'api!c2!gc3', 'explode', {},
                                       need_response=True)
    assert response.failure
    with pytest.raises(exception.InstanceNotFound) as info:
        response.value_or_raise()
    assert 'abc' in str(info.value)


def test_other_remote_error_becomes_a_generic_remote_error():
    runners, _, _ = build(TREE)
    response = runners['api'].targeted(CTXT, 'api!c1', 'crash', {},
                                       need_response=True)
    with pytest.raises(Exception) as info:
        response.value_or_raise()
    assert not isinstance(info.value, exception.NovaException)
    assert 'not a nova error' in str(info.value)


def test_unknown_method_is_rejected_with_an_error_response():
    runners, _, _ = build(TREE)
    response = runners['api'].targeted(CTXT, 'api!c1', 'no_such_method',
                                       {}, need_response=True)
    with pytest.raises(exception.CellMessageInvalid):
        response.value_or_raise()


def test_broadcast_down_collects_every_cell():
    runners, _, calls = build(TREE)
    result = runners['api'].broadcast(CTXT, 'whoami', {}, 'down',
                                      need_response=True)
    assert sorted(r.value for r in result) == sorted(
        ['api', 'c1', 'c2', 'c3', 'c4', 'gc1', 'gc2', 'gc3', 'shared'])
    assert {r.cell_name for r in result} >= {'api!c1!gc2', 'api!shared'}
    assert result.missing == []


def test_broadcast_without_run_locally_skips_the_origin():
    runners, _, calls = build(TREE)
    result = runners['c1'].broadcast(CTXT, 'whoami', {}, 'down',
                                     run_locally=False, need_response=True)
    assert sorted(r.value for r in result) == ['gc1', 'gc2']


def test_broadcast_with_a_dead_cell_returns_the_others_and_names_it():
    runners, wire, _ = build(TREE, call_timeout=1)
    wire.cut.add('wire://gc1')
    waits = record_waits(runners['api'])
    result = runners['api'].broadcast(CTXT, 'whoami', {}, 'down',
                                      need_response=True)
    # The caller waited once, no longer than call_timeout.
    assert waits == [1.0]
    assert sorted(r.value for r in result) == sorted(
        ['api', 'c1', 'c2', 'c3', 'c4', 'gc2', 'gc3', 'shared'])
    assert result.missing == ['api!c1!gc1']


def test_late_reply_is_counted_not_mistaken():
    runners, wire, _ = build({'api': [], 'c1': ['api']}, call_timeout=1)
    runner = runners['api']
    gate = threading.Event()
    original = wire.send_message_to_cell

    def slow(cell, message_type, ctxt, data, fanout):
        if message_type == messaging.RESPONSE:
            threading.Thread(target=lambda: (gate.wait(5), original(
                cell, message_type, ctxt, data, fanout)),
                daemon=True).start()
            return
        original(cell, message_type, ctxt, data, fanout)

    wire.send_message_to_cell = slow
    with pytest.raises(exception.CellTimeout):
        runner.targeted(CTXT, 'api!c1', 'whoami', {}, need_response=True,
                        timeout=0.3)
    gate.set()
    wait_for(lambda: runner.late_replies, 3, what='the late reply')
    assert runner.late_replies == 1


def test_duplicate_delivery_is_processed_once():
    runners, wire, calls = build({'api': [], 'c1': ['api']})
    runner = runners['api']
    message = messaging._TargetedMessage(runner, CTXT, 'whoami', {}, 'down',
                                         'api!c1')
    data = message.to_primitive()
    data['routing_path'] = 'api!c1'
    data['hop_count'] = 1
    runners['c1'].process_incoming(dict(data))
    runners['c1'].process_incoming(dict(data))
    assert calls == ['c1']
    assert runners['c1'].duplicates_dropped == 1


@pytest.mark.parametrize('data', [
    'not a dict',
    {'message_type': 'targeted'},
    {'message_type': 'bogus', 'ctxt': {}, 'method_name': 'whoami',
     'method_kwargs': {}, 'direction': 'down', 'need_response': False,
     'uuid': 'x', 'routing_path': 'api!c1', 'hop_count': 1,
     'max_hop_count': 10},
    {'message_type': 'targeted', 'ctxt': {}, 'method_name': 'whoami',
     'method_kwargs': {}, 'direction': 'sideways', 'need_response': False,
     'uuid': 'x', 'routing_path': 'api!c1', 'hop_count': 1,
     'max_hop_count': 10, 'target_cell': 'api!c1'},
    {'message_type': 'targeted', 'ctxt': {}, 'method_name': 'whoami',
     'method_kwargs': [], 'direction': 'down', 'need_response': False,
     'uuid': 'x', 'routing_path': 'api!c1', 'hop_count': '1',
     'max_hop_count': 10, 'target_cell': 'api!c1'},
])
def test_malformed_messages_are_rejected_and_counted(data):
    runners, _, calls = build({'api': [], 'c1': ['api']})
    runners['c1'].process_incoming(data)
    assert runners['c1'].rejected == 1
    assert calls == []


def test_malformed_message_needing_a_response_gets_an_error_back():
    runners, wire, calls = build({'api': [], 'c1': ['api']})
    runner = runners['api']
    message = messaging._TargetedMessage(runner, CTXT, 'whoami', {}, 'down',
                                         'api!c1', need_response=True)
    waiter = runner.add_waiter(message.uuid, ['*'])
    data = message.to_primitive()
    data.update(routing_path='api!c1', hop_count=1, method_kwargs=[1, 2])
    runners['c1'].process_incoming(data)
    answers = runner.wait(message.uuid, waiter, 2)
    [response] = answers.values()
    assert isinstance(response.value, exception.CellMessageInvalid)
    assert calls == []


class _CountingSerializer:
    """The runner's serializer, counting the arguments it rebuilds."""

    def __init__(self, real):
        self.real = real
        self.deserialized = 0

    def serialize_entity(self, ctxt, entity):
        return self.real.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt, entity):
        self.deserialized += 1
        return self.real.deserialize_entity(ctxt, entity)


def test_a_middle_hop_passes_the_message_on_as_received():
    runners, wire, calls = build(TREE)
    middle = runners['c1']
    counting = middle.serializer = _CountingSerializer(middle.serializer)
    forwarded = []
    send = wire.send_message_to_cell

    def record(cell, message_type, ctxt, data, fanout):
        if cell.transport_url == 'wire://gc2':
            forwarded.append(data)
        send(cell, message_type, ctxt, data, fanout)

    wire.send_message_to_cell = record
    response = runners['api'].targeted(CTXT, 'api!c1!gc2', 'whoami',
                                       {'suffix': '?'}, need_response=True)
    assert response.value_or_raise() == 'gc2?'
    # The middle cell neither rebuilt the arguments nor re-encoded them.
    assert counting.deserialized == 0
    [data] = forwarded
    assert data['method_kwargs'] == {'suffix': '?'}
    assert (data['routing_path'], data['hop_count']) == ('api!c1!gc2', 2)


def test_bad_arguments_passed_on_by_a_middle_hop_fail_at_the_target():
    runners, _, calls = build(TREE)
    runner = runners['api']
    message = messaging._TargetedMessage(runner, CTXT, 'whoami', {}, 'down',
                                         'api!c1!gc2', need_response=True)
    waiter = runner.add_waiter(message.uuid, ['*'])
    data = message.to_primitive()
    # Arguments the serializer cannot rebuild (an object of no known
    # class), as a faulty or hostile cell might send.
    data.update(routing_path='api!c1', hop_count=1, method_kwargs={
        'suffix': {'nova_object.name': 'NoSuchObject',
                   'nova_object.namespace': 'nova',
                   'nova_object.version': '1.0',
                   'nova_object.data': {}}})
    runners['c1'].process_incoming(data)
    answers = runner.wait(message.uuid, waiter, 2)
    [response] = answers.values()
    assert isinstance(response.value, exception.CellMessageInvalid)
    assert runners['c1'].rejected == 0
    assert runners['gc2'].rejected == 1
    assert calls == []


def _targeted(target, path, need_response=False, method='update'):
    return {'message_type': 'targeted', 'target_cell': target,
            'routing_path': path, 'need_response': need_response,
            'method_name': method}


@pytest.mark.parametrize('data, long', [
    (_targeted('api!c1', 'api!c1', need_response=True), True),
    (_targeted('api!c1', 'api!c1'), False),
    (_targeted('api!c1', 'api!c1', method='build_instances'), True),
    (_targeted('api', 'api', method='build_instances_failed'), True),
    (_targeted('api!c1!gc1', 'api!c1', need_response=True), False),
    (_targeted('api!c1!gc1', 'api!c1', method='build_instances'), False),
    ({'message_type': 'response', 'need_response': False}, False),
    ({'message_type': 'broadcast', 'need_response': False,
      'method_name': 'sync_instances'}, True),
    ({'message_type': 'broadcast', 'need_response': True,
      'method_name': 'service_get_all'}, True),
    ({'message_type': 'targeted'}, False),
    ({'message_type': 'broadcast'}, False),
    ('garbage', False),
    (None, False),
])
def test_a_runner_tells_which_messages_may_take_long_here(data, long):
    assert messaging.MessageRunner.may_take_long(data) is long
