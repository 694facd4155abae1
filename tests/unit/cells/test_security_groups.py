"""Security groups through nova-cells: the API cell's nova-cells sends
one targeted message to each cell holding a member; a cell hands the
groups to its compute API and refuses a message that holds none."""

import collections
import types

import pytest

from nova import context as nova_context
from nova import exception
from nova.cells import manager as cells_manager
from nova.cells import methods

GROUP = {'id': 5, 'name': 'web', 'description': 'd', 'user_id': 'u1',
         'project_id': 'p1', 'rules': []}


class CellComputeAPI:
    def __init__(self):
        self.refreshed = []

    def refresh_security_groups(self, ctxt, groups):
        self.refreshed.append(groups)
        return len(groups)


def _targeted(compute_api):
    return methods.TargetedMethods(None, None, None, None, compute_api,
                                   collections.Counter(), None)


def _message():
    return types.SimpleNamespace(ctxt=nova_context.get_admin_context(),
                                 routing_path='api!cell1')


def test_a_cell_hands_the_groups_to_its_compute_api():
    compute_api = CellComputeAPI()
    _targeted(compute_api).security_groups_refresh(_message(), [GROUP])
    assert compute_api.refreshed == [[GROUP]]


@pytest.mark.parametrize('groups', [None, 'web', [{'name': 'no id'}], [3]])
def test_a_message_without_groups_is_refused(groups):
    compute_api = CellComputeAPI()
    with pytest.raises(exception.CellMessageInvalid):
        _targeted(compute_api).security_groups_refresh(_message(), groups)
    assert compute_api.refreshed == []


def test_apply_security_groups_may_be_run_by_a_parent():
    assert 'apply_security_groups' in methods.COMPUTE_API_METHODS


class Runner:
    def __init__(self, failing=()):
        self.sent = []
        self.broadcasts = []
        self.failing = failing

    def broadcast(self, ctxt, method, kwargs, direction, run_locally):
        self.broadcasts.append((method, kwargs, direction, run_locally))

    def targeted(self, ctxt, cell_name, method, kwargs, direction):
        if cell_name in self.failing:
            raise exception.CellTimeout()
        self.sent.append((cell_name, method, kwargs, direction))


def test_the_top_sends_one_message_to_each_cell():
    manager = types.SimpleNamespace(msg_runner=Runner(failing={'api!c2'}))
    cells_manager.CellsManager.security_groups_refresh(
        manager, nova_context.get_admin_context(), [GROUP],
        ['api!c1', 'api!c2', 'api!c3!gc'])
    assert manager.msg_runner.sent == [
        ('api!c1', 'security_groups_refresh', {'groups': [GROUP]}, 'down'),
        ('api!c3!gc', 'security_groups_refresh', {'groups': [GROUP]},
         'down')]


def test_the_top_broadcasts_for_a_member_not_placed():
    manager = types.SimpleNamespace(msg_runner=Runner())
    cells_manager.CellsManager.security_groups_refresh(
        manager, nova_context.get_admin_context(), [GROUP], None)
    assert manager.msg_runner.broadcasts == [
        ('security_groups_refresh', {'groups': [GROUP]}, 'down', False)]
    assert manager.msg_runner.sent == []


def test_a_broadcast_is_ignored_at_the_top_and_taken_below():
    for top, expected in ((True, []), (False, [[GROUP]])):
        compute_api = CellComputeAPI()
        handlers = methods.BroadcastMethods(
            None, None, types.SimpleNamespace(is_top=lambda t=top: t), None,
            compute_api, collections.Counter(), None)
        handlers.security_groups_refresh(_message(), [GROUP])
        assert compute_api.refreshed == expected
