"""The state rules every action checks first."""

import datetime

import pytest

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.compute import checks
from nova.compute import task_states
from nova.compute import vm_states


def _instance(**values):
    base = {'uuid': '00000000-0000-4000-8000-000000000001',
            'vm_state': vm_states.ACTIVE, 'task_state': None,
            'launched_at': datetime.datetime(2026, 1, 1), 'locked': False,
            'host': 'host1'}
    base.update(values)
    return objects.Instance.from_db(base)


def test_allowed_state_passes():
    checks.check_instance_state(_instance(), 'pause',
                                vm_state=[vm_states.ACTIVE])


def test_wrong_vm_state_names_method_and_state():
    with pytest.raises(exception.InstanceInvalidState) as info:
        checks.check_instance_state(_instance(vm_state=vm_states.STOPPED),
                                    'pause', vm_state=[vm_states.ACTIVE])
    assert info.value.kwargs['attr'] == 'vm_state'
    assert 'pause' in str(info.value) and 'stopped' in str(info.value)


def test_a_running_task_refuses_by_default():
    busy = _instance(task_state=task_states.REBOOTING)
    with pytest.raises(exception.InstanceInvalidState) as info:
        checks.check_instance_state(busy, 'pause')
    assert info.value.kwargs['attr'] == 'task_state'
    # task_state=None: any task state will do.
    checks.check_instance_state(busy, 'update_metadata', task_state=None)
    checks.check_instance_state(busy, 'reboot', task_state=[
        None, task_states.REBOOTING])


def test_an_instance_never_launched_is_refused_unless_allowed():
    building = _instance(vm_state=vm_states.BUILDING, launched_at=None)
    with pytest.raises(exception.InstanceInvalidState):
        checks.check_instance_state(building, 'stop')
    checks.check_instance_state(building, 'delete', task_state=None,
                                must_have_launched=False)


def test_lock_refuses_owners_not_admins():
    locked = _instance(locked=True)
    with pytest.raises(exception.InstanceIsLocked):
        checks.check_instance_lock(
            nova_context.RequestContext('u', 'p'), locked)
    checks.check_instance_lock(
        nova_context.RequestContext('u', 'p', is_admin=True), locked)
    checks.check_instance_lock(nova_context.RequestContext('u', 'p'),
                               _instance())


def test_host_check():
    with pytest.raises(exception.InstanceNotReady) as info:
        checks.check_instance_host(_instance(host=None))
    assert info.value.code == 409
