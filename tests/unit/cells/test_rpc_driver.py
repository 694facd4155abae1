"""Publishing inter-cell messages: several at once when they queue up."""

from concurrent import futures
import threading

import pytest

from nova import conf as nova_conf
from nova import context as nova_context
from nova import rpc
from nova.cells import rpc_driver
from nova.tools.polling import wait_for

CTXT = nova_context.RequestContext('u', 'p')


class Client:
    """An RPC client recording each cast; a cast blocks while ``gate``
    is clear, and the first casts raise the errors of ``failures``."""

    def __init__(self, version='1.0', shared=None):
        self.version = version
        self.shared = shared or self
        if shared is None:
            self.log = []
            self.failures = []
            self.gate = threading.Event()
            self.gate.set()
            self.entered = threading.Event()

    def __getattr__(self, name):
        return getattr(self.shared, name)

    def prepare(self, version):
        return Client(version, self.shared)

    def cast(self, ctxt, method, **kwargs):
        self.entered.set()
        self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        self.log.append((self.version, method, kwargs))


def _sender(outbox, message, outcomes):
    def send():
        try:
            outbox.send(CTXT, message)
            outcomes[message['n']] = 'sent'
        except Exception as error:
            outcomes[message['n']] = error
    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def _queue_behind_a_publish(outbox, client, count):
    """Block a first publish, start ``count`` more senders, and wait
    until all are waiting in the outbox; returns the threads."""
    client.gate.clear()
    outcomes = {}
    threads = [_sender(outbox, {'n': 0}, outcomes)]
    assert client.entered.wait(5)
    for n in range(1, count + 1):
        threads.append(_sender(outbox, {'n': n}, outcomes))
        wait_for(lambda n=n: len(outbox._waiting) == n, 5,
                 what=f'{n} waiting')
    return threads, outcomes


def test_a_message_alone_goes_at_once_as_a_single_message():
    client = Client()
    outbox = rpc_driver._Outbox(client, max_per_publish=50)
    outbox.send(CTXT, {'n': 0})
    assert client.log == [('1.0', 'process_message', {'message': {'n': 0}})]


def test_messages_that_come_during_a_publish_leave_together_in_order():
    client = Client()
    outbox = rpc_driver._Outbox(client, max_per_publish=50)
    threads, outcomes = _queue_behind_a_publish(outbox, client, 4)
    # None of the waiting senders has returned: nothing of theirs is out.
    assert outcomes == {}
    client.gate.set()
    for thread in threads:
        thread.join(5)
    assert client.log == [
        ('1.0', 'process_message', {'message': {'n': 0}}),
        ('1.1', 'process_messages',
         {'messages': [{'n': n} for n in range(1, 5)]})]
    assert outcomes == {n: 'sent' for n in range(5)}
    assert (outbox.publishes, outbox.messages) == (2, 5)
    assert not outbox._busy


def test_a_publish_carries_at_most_max_per_publish_messages():
    client = Client()
    outbox = rpc_driver._Outbox(client, max_per_publish=2)
    threads, outcomes = _queue_behind_a_publish(outbox, client, 5)
    client.gate.set()
    for thread in threads:
        thread.join(5)
    assert [kwargs.get('messages', [kwargs.get('message')])
            for _, _, kwargs in client.log] == [
        [{'n': 0}], [{'n': 1}, {'n': 2}], [{'n': 3}, {'n': 4}], [{'n': 5}]]
    assert outcomes == {n: 'sent' for n in range(6)}


def test_a_failed_publish_fails_every_sender_of_its_batch_only():
    client = Client()
    outbox = rpc_driver._Outbox(client, max_per_publish=3)
    threads, outcomes = _queue_behind_a_publish(outbox, client, 4)
    # The first publish (message 0) and the next (1, 2, 3) fail; the
    # broker is back for the last (4).
    failure = RuntimeError('broker refused')
    client.failures.extend([failure, failure])
    client.gate.set()
    for thread in threads:
        thread.join(5)
    assert outcomes == {0: failure, 1: failure, 2: failure, 3: failure,
                        4: 'sent'}
    assert client.log == [('1.0', 'process_message',
                           {'message': {'n': 4}})]
    # The outbox is free again: the next message goes at once.
    outbox.send(CTXT, {'n': 5})
    assert client.log[-1] == ('1.0', 'process_message',
                              {'message': {'n': 5}})


def test_with_one_message_per_publish_every_message_goes_alone():
    client = Client()
    outbox = rpc_driver._Outbox(client, max_per_publish=1)
    client.gate.clear()
    outcomes = {}
    threads = [_sender(outbox, {'n': n}, outcomes) for n in range(3)]
    wait_for(lambda: client.entered.is_set(), 5, what='a publish')
    client.gate.set()
    for thread in threads:
        thread.join(5)
    assert sorted(kwargs['message']['n'] for _, method, kwargs in client.log
                  if method == 'process_message') == [0, 1, 2]
    assert len(client.log) == 3


class Runner:
    """Records the messages processed; those with ``here`` run a method
    in this cell, and those with ``wait`` block until it is set."""

    def __init__(self, fail_on=()):
        self.processed = []
        self.fail_on = fail_on
        self.rejected = 0

    @staticmethod
    def may_take_long(message):
        return isinstance(message, dict) and bool(message.get('here'))

    def process_incoming(self, message):
        if message in self.fail_on:
            raise RuntimeError('handler bug')
        if 'wait' in message:
            assert message['wait'].wait(5)
        self.processed.append(message)


def test_a_batch_is_processed_in_order_and_one_failure_stops_nothing():
    runner = Runner(fail_on=[{'n': 1}])
    endpoint = rpc_driver.InterCellRPCEndpoint(runner)
    endpoint.process_messages(CTXT, [{'n': 0}, {'n': 1}, {'n': 2}])
    assert runner.processed == [{'n': 0}, {'n': 2}]


def test_a_slow_method_in_a_batch_holds_up_none_of_the_messages_after_it():
    runner = Runner()
    release = threading.Event()
    slow = {'n': 0, 'here': True, 'wait': release}
    with futures.ThreadPoolExecutor(4) as pool:
        endpoint = rpc_driver.InterCellRPCEndpoint(runner, pool)
        endpoint.process_messages(CTXT, [slow, {'n': 1}, {'n': 2}])
        # Those passing through went in their order, not waiting.
        assert runner.processed == [{'n': 1}, {'n': 2}]
        release.set()
    assert runner.processed[-1] is slow


def test_quick_messages_of_a_batch_run_in_order_on_the_receiving_thread():
    runner = Runner()
    threads = []
    runner.process_incoming = lambda message: (
        threads.append(threading.current_thread()),
        runner.processed.append(message))
    with futures.ThreadPoolExecutor(4) as pool:
        endpoint = rpc_driver.InterCellRPCEndpoint(runner, pool)
        endpoint.process_messages(CTXT, [{'n': 0}, {'n': 1}, {'n': 2}])
        # Done before the batch call returned, in order, on this thread.
        assert runner.processed == [{'n': 0}, {'n': 1}, {'n': 2}]
        assert set(threads) == {threading.current_thread()}


@pytest.mark.parametrize('garbage', [None, 'x', {'n': 0}, 3])
def test_a_batch_that_is_not_a_list_is_rejected_and_counted(garbage):
    runner = Runner()
    endpoint = rpc_driver.InterCellRPCEndpoint(runner)
    endpoint.process_messages(CTXT, garbage)
    assert (runner.processed, runner.rejected) == ([], 1)


class Cell:
    name = 'c1'
    transport_url = 'fake://'


def test_messages_queued_behind_a_publish_reach_the_neighbour_in_order():
    """Over a real oslo.messaging transport: the driver's batch is a
    version 1.1 cast that the neighbour's endpoint accepts."""
    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    transports = rpc.TransportCache(conf)
    transport = transports.get(Cell.transport_url)
    runner = Runner()
    receiver = rpc_driver.CellsRPCDriver(conf, transport, transports, 'c1')
    receiver.start_servers(runner)
    sender = rpc_driver.CellsRPCDriver(conf, transport, transports, 'api')
    try:
        outbox = sender._outbox(Cell.transport_url, 'targeted', False)
        publish = outbox._publish
        first = threading.Event()
        release = threading.Event()

        def slow_first(ctxt, messages):
            if not first.is_set():
                first.set()
                assert release.wait(5)
            publish(ctxt, messages)
        outbox._publish = slow_first
        threads = [threading.Thread(
            target=sender.send_message_to_cell,
            args=(Cell, 'targeted', CTXT, {'n': 0}, False))]
        threads[0].start()
        assert first.wait(5)
        for n in (1, 2, 3):
            threads.append(threading.Thread(
                target=sender.send_message_to_cell,
                args=(Cell, 'targeted', CTXT, {'n': n}, False)))
            threads[-1].start()
            wait_for(lambda n=n: len(outbox._waiting) == n, 5,
                     what=f'{n} waiting')
        release.set()
        for thread in threads:
            thread.join(5)
        wait_for(lambda: len(runner.processed) == 4, 5, what='4 processed')
        assert runner.processed == [{'n': n} for n in range(4)]
        assert (outbox.publishes, outbox.messages) == (2, 4)
    finally:
        receiver.stop_servers()
        transports.cleanup()
