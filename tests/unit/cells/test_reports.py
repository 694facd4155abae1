"""What a child cell reports to its parents, and when."""

import functools
import threading
import types

from nova.cells import manager as cells_manager


def _manager():
    sent = []
    parent = types.SimpleNamespace(name='api')
    manager = types.SimpleNamespace(
        our_name='cell1', _report_lock=threading.Lock(), _report_timer=None,
        notifier=None,
        state=types.SimpleNamespace(
            get_parent_cells=lambda: [parent],
            get_our_capabilities=lambda: {'hypervisor': ['fake']},
            get_our_capacities=lambda: {'ram_free': {'total_mb': 1}}),
        msg_runner=types.SimpleNamespace(
            targeted=lambda ctxt, target, method, kwargs, direction:
            sent.append((target, method, sorted(kwargs), direction))))
    manager.report_to_parents = functools.partial(
        cells_manager.CellsManager.report_to_parents, manager)
    return manager, sent


def test_the_periodic_report_tells_capabilities_and_capacities():
    manager, sent = _manager()
    manager.report_to_parents()
    assert sent == [
        ('cell1!api', 'update_capabilities', ['capabilities', 'cell_name'],
         'up'),
        ('cell1!api', 'update_capacities', ['capacities', 'cell_name'],
         'up')]


def test_a_report_after_builds_settled_tells_the_capacities_only():
    manager, sent = _manager()
    cells_manager.CellsManager._report_now(manager)
    assert sent == [('cell1!api', 'update_capacities',
                     ['capacities', 'cell_name'], 'up')]
