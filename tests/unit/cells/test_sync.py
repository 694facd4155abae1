"""The batching of instance updates on their way to the top."""

import threading

from nova import context as nova_context
from nova import objects
from nova.cells import sync

A = '00000000-0000-4000-8000-00000000000a'
B = '00000000-0000-4000-8000-00000000000b'


def _instance(uuid, version, **fields):
    return objects.Instance(uuid=uuid, sync_version=version, **fields)


class Recorder:
    def __init__(self, fail=False):
        self.batches = []
        self.records = []
        self.fail = fail
        self.sent = threading.Event()

    def __call__(self, ctxt, instances, records):
        if self.fail:
            raise RuntimeError('broker down')
        self.batches.append((ctxt, [(i.uuid, i.sync_version)
                                    for i in instances]))
        self.records.append([(r['kind'], r['record'], r['user_id'])
                             for r in records])
        self.sent.set()


def _busy_batcher(send, delay=3600.0, hold=0.0):
    """A batcher that has just sent something: what comes next waits."""
    batcher = sync.UpdateBatcher(delay, send, hold=hold)
    batcher.add(nova_context.RequestContext('u', 'p'),
                _instance('00000000-0000-4000-8000-0000000000ff', 1))
    assert len(send.batches) == 1
    send.batches.clear()
    send.records.clear()
    send.sent.clear()
    return batcher


def test_only_the_newest_update_of_each_instance_travels():
    send = Recorder()
    batcher = _busy_batcher(send)
    ctxt = nova_context.RequestContext('u', 'p')
    for version in (1, 3, 2):       # 2 arrives after 3: it loses
        batcher.add(ctxt, _instance(A, version))
    batcher.add(ctxt, _instance(B, 7))
    assert send.batches == []
    batcher.flush()
    [(batch_ctxt, batch)] = send.batches
    assert sorted(batch) == [(A, 3), (B, 7)]
    # Two instances: no single request to speak for.
    assert batch_ctxt.is_admin
    batcher.flush()
    assert len(send.batches) == 1


def test_a_quiet_cell_sends_at_once_and_a_busy_one_after_the_delay():
    send = Recorder()
    batcher = sync.UpdateBatcher(0.2, send)
    ctxt = nova_context.RequestContext('u', 'p', request_id='req-1')
    batcher.add(ctxt, _instance(A, 1))
    # Nothing sent lately: it went at once, with its own context.
    [(batch_ctxt, batch)] = send.batches
    assert batch == [(A, 1)] and batch_ctxt.request_id == 'req-1'
    send.sent.clear()
    batcher.add(ctxt, _instance(A, 2))
    assert len(send.batches) == 1      # waits for the rest of the delay
    assert send.sent.wait(5)
    assert send.batches[1][1] == [(A, 2)]


def test_without_a_delay_every_update_goes_at_once():
    send = Recorder()
    batcher = sync.UpdateBatcher(0.0, send)
    ctxt = nova_context.RequestContext('u', 'p')
    batcher.add(ctxt, _instance(A, 1))
    batcher.add(ctxt, _instance(A, 2))
    assert [b for _c, b in send.batches] == [[(A, 1)], [(A, 2)]]


def test_a_deleted_instance_is_not_sent_and_batches_are_bounded():
    send = Recorder()
    batcher = _busy_batcher(send)
    ctxt = nova_context.RequestContext('u', 'p')
    uuids = ['00000000-0000-4000-8000-%012d' % i
             for i in range(sync.UpdateBatcher.MAX_BATCH + 5)]
    for uuid in uuids:
        batcher.add(ctxt, _instance(uuid, 1))
    batcher.discard(uuids[0])
    batcher.flush()
    sizes = [len(b) for _c, b in send.batches]
    assert sizes == [sync.UpdateBatcher.MAX_BATCH, 4]
    assert uuids[0] not in {u for _c, b in send.batches for u, _v in b}


def test_a_failed_send_is_left_to_the_heal_task():
    batcher = sync.UpdateBatcher(3600.0, Recorder(fail=True))
    # Sent at once, failed: logged, not raised.
    batcher.add(nova_context.RequestContext('u', 'p'), _instance(A, 1))
    assert batcher.batches_sent == 0


def test_actions_and_events_travel_in_order_with_the_updates():
    send = Recorder()
    batcher = _busy_batcher(send)
    alice = nova_context.RequestContext('alice', 'p1')
    bob = nova_context.RequestContext('bob', 'p2')
    batcher.add_action(alice, 'action', 'create-a')
    batcher.add(alice, _instance(A, 1))
    batcher.add_action(alice, 'event', 'start-a')
    batcher.add_action(bob, 'event', 'start-b')
    batcher.add_action(alice, 'event', 'finish-a')
    assert send.batches == []
    batcher.flush()
    [(ctxt, instances)] = send.batches
    assert instances == [(A, 1)] and ctxt.is_admin
    # Each record keeps the user of the request that made it.
    assert send.records == [[('action', 'create-a', 'alice'),
                             ('event', 'start-a', 'alice'),
                             ('event', 'start-b', 'bob'),
                             ('event', 'finish-a', 'alice')]]


def test_a_lone_event_goes_with_its_own_context_and_many_are_bounded():
    send = Recorder()
    batcher = sync.UpdateBatcher(3600.0, send)
    ctxt = nova_context.RequestContext('u', 'p', request_id='req-9')
    batcher.add_action(ctxt, 'event', 'e0')
    [(batch_ctxt, instances)] = send.batches
    assert instances == [] and batch_ctxt.request_id == 'req-9'
    for i in range(sync.UpdateBatcher.MAX_RECORDS + 1):
        batcher.add_action(ctxt, 'event', 'e%d' % (i + 1))
    batcher.flush()
    assert [len(r) for r in send.records] == [
        1, sync.UpdateBatcher.MAX_RECORDS, 1]


def test_the_steps_of_a_task_wait_for_its_end_and_go_with_it():
    send = Recorder()
    batcher = sync.UpdateBatcher(0.0, send, hold=3600.0)
    ctxt = nova_context.RequestContext('u', 'p')
    # A build's steps and its event: no client waits for them.
    batcher.add(ctxt, _instance(A, 1, task_state='scheduling'))
    batcher.add_action(ctxt, 'event', 'start-a')
    batcher.add(ctxt, _instance(A, 2, task_state='spawning'))
    batcher.add(ctxt, _instance(B, 1, task_state='networking'))
    assert send.batches == []
    # Another instance's build ends: everything goes, at once.
    batcher.add(ctxt, _instance(A, 3, task_state=None, vm_state='active'))
    [(_ctxt, instances)] = send.batches
    assert sorted(instances) == [(A, 3), (B, 1)]
    assert send.records == [[('event', 'start-a', 'u')]]


def test_a_held_step_goes_when_the_hold_is_over():
    send = Recorder()
    batcher = sync.UpdateBatcher(0.0, send, hold=0.2)
    ctxt = nova_context.RequestContext('u', 'p')
    batcher.add(ctxt, _instance(A, 1, task_state='spawning'))
    assert send.batches == []
    assert send.sent.wait(5)
    assert send.batches[0][1] == [(A, 1)]
    # The timer sent it: nothing is left to send twice.
    batcher.flush()
    assert len(send.batches) == 1


def test_the_end_of_a_task_still_keeps_the_delay_between_messages():
    send = Recorder()
    batcher = _busy_batcher(send, delay=0.2, hold=3600.0)
    ctxt = nova_context.RequestContext('u', 'p')
    batcher.add(ctxt, _instance(A, 1, task_state='spawning'))
    batcher.add(ctxt, _instance(B, 1, task_state=None))
    # The task's end brings the send forward from the hold to the delay.
    assert send.batches == []
    assert send.sent.wait(5)
    assert sorted(send.batches[0][1]) == [(A, 1), (B, 1)]
