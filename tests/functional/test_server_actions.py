"""Server actions through the API cell: power, rebuild, rescue, lock,
name and metadata, console, instance actions and faults.

After each step the API cell's replica and the child's row agree; an
action refused by the state rules changes neither.
"""

import pytest

from nova import exception
from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.functional import server_helpers as helpers
from nova.tests.functional.server_helpers import admin
from nova.tests.functional.server_helpers import user
from nova.tools import inproc_tree


@pytest.fixture(scope='module')
def shared_tree(tmp_path_factory):
    tree = helpers.start_tree(str(tmp_path_factory.mktemp('actions')))
    yield tree
    tree.stop()


@pytest.fixture
def servers(shared_tree):
    s = helpers.Servers(shared_tree)
    yield s
    s.delete_all()


def _refused(servers, uuid, action, *args, error=exception.
             InstanceInvalidState, ctxt=None):
    """``action`` is refused and changes nothing in either database."""
    before = servers.both(uuid)
    actions_before = servers.api.get_instance_actions(admin(), uuid)
    instance = servers.top(uuid)
    with pytest.raises(error):
        getattr(servers.api, action)(ctxt or user(), instance, *args)
    assert servers.both(uuid) == before
    assert servers.api.get_instance_actions(admin(), uuid) == \
        actions_before


def test_stop_and_start(servers):
    uuid = servers.boot().uuid
    servers.api.stop(user(), servers.top(uuid))
    stopped = servers.settled(uuid, vm_state=vm_states.STOPPED)
    assert stopped.power_state == power_state.SHUTDOWN
    _refused(servers, uuid, 'stop')
    _refused(servers, uuid, 'pause')

    servers.api.start(user(), stopped)
    started = servers.settled(uuid, vm_state=vm_states.ACTIVE)
    assert started.power_state == power_state.RUNNING
    _refused(servers, uuid, 'start')


def test_reboot_soft_and_hard(servers):
    booted = servers.boot()
    uuid = booted.uuid
    servers.api.reboot(user(), servers.top(uuid), 'SOFT')
    servers.settled(uuid, vm_state=vm_states.ACTIVE,
                    power_state=power_state.RUNNING)
    servers.api.reboot(user(), servers.top(uuid), 'HARD')
    servers.settled(uuid, vm_state=vm_states.ACTIVE)

    servers.api.stop(user(), servers.top(uuid))
    servers.settled(uuid, vm_state=vm_states.STOPPED)
    # A stopped server takes a hard reboot only, which starts it.
    _refused(servers, uuid, 'reboot', 'SOFT')
    servers.api.reboot(user(), servers.top(uuid), 'HARD')
    rebooted = servers.settled(uuid, vm_state=vm_states.ACTIVE)
    assert rebooted.power_state == power_state.RUNNING
    console = servers.api.get_console_output(user(), rebooted)
    assert console.count('Reboot (') == 3
    assert rebooted.network_info == booted.network_info


def test_pause_and_unpause(servers):
    uuid = servers.boot().uuid
    servers.api.pause(user(), servers.top(uuid))
    paused = servers.settled(uuid, vm_state=vm_states.PAUSED)
    assert paused.power_state == power_state.PAUSED
    _refused(servers, uuid, 'pause')
    _refused(servers, uuid, 'suspend')
    servers.api.unpause(user(), paused)
    servers.settled(uuid, vm_state=vm_states.ACTIVE,
                    power_state=power_state.RUNNING)
    _refused(servers, uuid, 'unpause')


def test_suspend_and_resume(servers):
    uuid = servers.boot().uuid
    servers.api.suspend(user(), servers.top(uuid))
    suspended = servers.settled(uuid, vm_state=vm_states.SUSPENDED)
    assert suspended.power_state == power_state.SUSPENDED
    _refused(servers, uuid, 'reboot', 'SOFT')
    _refused(servers, uuid, 'stop')
    servers.api.resume(user(), suspended)
    servers.settled(uuid, vm_state=vm_states.ACTIVE,
                    power_state=power_state.RUNNING)
    _refused(servers, uuid, 'resume')


def test_actions_need_the_right_state(servers):
    uuid = servers.boot().uuid
    for action in ('start', 'unpause', 'resume', 'unrescue',
                   'confirm_resize', 'revert_resize', 'unshelve'):
        _refused(servers, uuid, action)
    _refused(servers, uuid, 'resize', '1',
             error=exception.CannotResizeToSameFlavor)
    _refused(servers, uuid, 'resize', 'no-such-flavor',
             error=exception.FlavorNotFound)
    _refused(servers, uuid, 'rebuild', 'no-such-image',
             error=exception.ImageNotFound)


def test_rebuild_with_a_new_image_keeps_host_and_address(servers):
    image = servers.api.image_create(admin(), {
        'name': 'other', 'is_public': True,
        'properties': {'os_distro': 'fedora'}})
    booted = servers.boot()
    servers.api.rebuild(user(), booted, image['id'], name='rebuilt',
                        metadata={'role': 'db'})
    rebuilt = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE,
                              image_ref=image['id'])
    assert rebuilt.display_name == 'rebuilt'
    assert rebuilt.metadata == {'role': 'db'}
    assert rebuilt.host == booted.host
    assert rebuilt.network_info == booted.network_info
    assert rebuilt.system_metadata['image_os_distro'] == 'fedora'
    assert rebuilt.launched_at >= booted.launched_at
    servers.assert_nodes_current()


def test_rebuild_of_a_stopped_server_leaves_it_stopped(servers):
    uuid = servers.boot().uuid
    servers.api.stop(user(), servers.top(uuid))
    stopped = servers.settled(uuid, vm_state=vm_states.STOPPED)
    servers.api.rebuild(user(), stopped, helpers.IMAGE)
    rebuilt = servers.settled(uuid, vm_state=vm_states.STOPPED)
    assert rebuilt.power_state == power_state.SHUTDOWN


def test_rescue_and_unrescue(servers):
    booted = servers.boot()
    password = servers.api.rescue(user(), booted)
    assert len(password) >= 8
    rescued = servers.settled(booted.uuid, vm_state=vm_states.RESCUED)
    assert rescued.power_state == power_state.RUNNING
    assert 'Rescue boot' in servers.api.get_console_output(user(), rescued)
    _refused(servers, booted.uuid, 'rescue')
    _refused(servers, booted.uuid, 'reboot', 'SOFT')

    servers.api.unrescue(user(), rescued)
    servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)


def test_rescue_keeps_a_given_password(servers):
    booted = servers.boot()
    assert servers.api.rescue(user(), booted, rescue_password='s3cret',
                              rescue_image_ref=helpers.IMAGE) == 's3cret'
    servers.settled(booted.uuid, vm_state=vm_states.RESCUED)


def test_console_output_is_deterministic_and_tails(servers):
    booted = servers.boot(name='web')
    full = servers.api.get_console_output(user(), booted)
    lines = full.splitlines()
    assert lines[0].endswith('Linux version 4.4.0-fake (nova@%s)'
                             % booted.host)
    assert lines[-1].endswith('web login:')
    assert booted.network_info[0]['address'] in full
    assert servers.api.get_console_output(user(), booted) == full
    tail = servers.api.get_console_output(user(), booted, tail_length=2)
    assert tail.splitlines() == lines[-2:]


def test_lock_refuses_actions_to_the_owner_not_to_admins(servers):
    booted = servers.boot()
    servers.api.lock(user(), booted, reason='maintenance')
    locked = servers.top(booted.uuid)
    assert (locked.locked, locked.locked_by) == (True, 'owner')
    assert locked.system_metadata['locked_reason'] == 'maintenance'
    inproc_tree.wait_for(lambda: servers.child(booted.uuid)['locked'], 10,
                         what='lock in the child')
    _refused(servers, booted.uuid, 'stop', error=exception.InstanceIsLocked)
    _refused(servers, booted.uuid, 'delete', error=exception.InstanceIsLocked)

    # Admins act on locked servers, and the child lets them through.
    servers.api.pause(admin(), locked)
    paused = servers.settled(booted.uuid, vm_state=vm_states.PAUSED)
    assert paused.system_metadata['locked_reason'] == 'maintenance'

    servers.api.unlock(user(), paused)
    unlocked = servers.settled(booted.uuid, locked=False)
    assert 'locked_reason' not in unlocked.system_metadata
    servers.api.unpause(user(), unlocked)
    servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)


def test_rename_and_metadata_reach_the_child(servers):
    booted = servers.boot(metadata={'a': '1'})
    renamed = servers.api.update_instance(user(), booted,
                                          {'display_name': 'new-name'})
    assert renamed.display_name == 'new-name'
    servers.settled(booted.uuid, display_name='new-name')

    assert servers.api.update_instance_metadata(
        user(), renamed, {'b': '2'}) == {'a': '1', 'b': '2'}
    servers.settled(booted.uuid, metadata={'a': '1', 'b': '2'})
    assert servers.api.update_instance_metadata(
        user(), servers.top(booted.uuid), {'c': '3'},
        delete=True) == {'c': '3'}
    servers.settled(booted.uuid, metadata={'c': '3'})
    servers.api.delete_instance_metadata(user(), servers.top(booted.uuid),
                                         'c')
    servers.settled(booted.uuid, metadata={})
    with pytest.raises(exception.InstanceMetadataNotFound):
        servers.api.delete_instance_metadata(
            user(), servers.top(booted.uuid), 'c')
    with pytest.raises(exception.InvalidInput):
        servers.api.update_instance(user(), renamed, {'vm_state': 'x'})

    # A later change in the child (a reboot) does not undo the rename.
    servers.api.reboot(user(), servers.top(booted.uuid), 'SOFT')
    after = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)
    assert after.display_name == 'new-name'


def test_instance_actions_and_their_events_show_at_the_top(servers):
    ctxt = user()
    booted = servers.boot(ctxt=ctxt)
    stop_ctxt = user()
    servers.api.stop(stop_ctxt, booted)
    servers.settled(booted.uuid, vm_state=vm_states.STOPPED)

    def events(request_id, count):
        action = servers.api.get_instance_action(admin(), booted.uuid,
                                                 request_id)
        done = [e for e in action['events'] if e['finish_time']]
        return action if len(done) >= count else None
    stop = inproc_tree.wait_for(lambda: events(stop_ctxt.request_id, 1), 10,
                                what='stop event')
    assert stop['action'] == 'stop'
    [event] = stop['events']
    assert (event['event'], event['result']) == ('compute_stop_instance',
                                                 'Success')
    assert event['host'] == booted.host
    create = inproc_tree.wait_for(lambda: events(ctxt.request_id, 1), 10,
                                  what='build event')
    assert create['action'] == 'create'
    assert [e['event'] for e in create['events']] == [
        'compute__do_build_and_run_instance']

    listed = servers.api.get_instance_actions(admin(), booted.uuid)
    assert [a['action'] for a in listed] == ['stop', 'create']
    with pytest.raises(exception.InstanceActionNotFound):
        servers.api.get_instance_action(admin(), booted.uuid, 'req-none')


def test_failed_action_leaves_a_fault_and_an_error_event(servers):
    # The fake driver fails the operations named in this metadata key.
    booted = servers.boot(metadata={'fake:fail': 'pause'})
    ctxt = user()
    servers.api.pause(ctxt, booted)
    after = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)
    assert after.power_state == power_state.RUNNING

    def faulted():
        got = servers.top(booted.uuid)
        return got if got.fault is not None else None
    fault = inproc_tree.wait_for(faulted, 10, what='fault at the top').fault
    assert 'Simulated pause failure' in fault.message
    assert fault.host == booted.host

    def errored():
        action = servers.api.get_instance_action(admin(), booted.uuid,
                                                 ctxt.request_id)
        return action if action['events'] and \
            action['events'][0]['result'] else None
    action = inproc_tree.wait_for(errored, 10, what='event result')
    assert action['message'] == 'Error'
    [event] = action['events']
    assert (event['event'], event['result']) == ('compute_pause_instance',
                                                 'Error')
    assert 'FakeOperationError' in event['traceback']


def test_failed_reboot_puts_the_server_in_error(servers):
    booted = servers.boot(metadata={'fake:fail': 'reboot'})
    servers.api.reboot(user(), booted, 'HARD')
    servers.settled(booted.uuid, vm_state=vm_states.ERROR)
    # The fault travels up on its own.
    inproc_tree.wait_for(lambda: 'Simulated reboot failure' in getattr(
        servers.top(booted.uuid).fault, 'message', ''), 10, what='fault')
    # ERROR takes a hard reboot (which fails again here) and a delete.
    _refused(servers, booted.uuid, 'reboot', 'SOFT')


def test_key_pair_travels_with_the_build(servers):
    keypair, private = servers.api.keypair_create(user(), 'user1', 'mykey')
    assert private.startswith('-----BEGIN RSA PRIVATE KEY-----')
    booted = servers.boot(key_name='mykey')
    assert booted.key_name == 'mykey'
    assert servers.child(booted.uuid)['key_data'] == keypair['public_key']
    with pytest.raises(exception.KeypairNotFound):
        servers.boot(key_name='nokey')
    servers.api.keypair_delete(user(), 'user1', 'mykey')


def test_an_action_the_child_refuses_resyncs_the_top(servers):
    booted = servers.boot()
    # The top's copy lags behind (say an update was lost): it thinks the
    # server is paused, while the child knows it is active.
    servers.tree.db('api').instance_update(
        helpers.ADMIN, booted.uuid, {'vm_state': vm_states.PAUSED})
    servers.api.unpause(user(), servers.top(booted.uuid))
    # The child refuses, and sends its own copy up again.
    again = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)
    assert again.power_state == power_state.RUNNING
