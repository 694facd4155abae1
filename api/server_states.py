"""The API ``status`` of a server, from and to its vm and task states.

Clients see one status word (``ACTIVE``, ``REBOOT``...) where the services
keep a vm state and a task state. The table maps each vm state to its
default status and to the task states that override it.
"""

from __future__ import annotations

from oslo_log import log as logging

from nova.compute import task_states
from nova.compute import vm_states

LOG = logging.getLogger(__name__)

DEFAULT = 'default'
UNKNOWN = 'UNKNOWN'

# Task states of Nova that this project's services never set; listed so the
# statuses they imply stay those clients know.
_UPDATING_PASSWORD = 'updating_password'
_REBUILD_BLOCK_DEVICE_MAPPING = 'rebuild_block_device_mapping'
_MIGRATING = 'migrating'

_TaskMap = dict[str | None, str]

_RESIZING: _TaskMap = {
    task_states.RESIZE_PREP: 'RESIZE',
    task_states.RESIZE_MIGRATING: 'RESIZE',
    task_states.RESIZE_MIGRATED: 'RESIZE',
    task_states.RESIZE_FINISH: 'RESIZE',
}
_REBUILDING: _TaskMap = {
    task_states.REBUILDING: 'REBUILD',
    _REBUILD_BLOCK_DEVICE_MAPPING: 'REBUILD',
    task_states.REBUILD_SPAWNING: 'REBUILD',
}

_STATE_MAP: dict[str, _TaskMap] = {
    vm_states.ACTIVE: {
        DEFAULT: 'ACTIVE',
        task_states.REBOOTING: 'REBOOT',
        task_states.REBOOT_PENDING: 'REBOOT',
        task_states.REBOOT_STARTED: 'REBOOT',
        task_states.REBOOTING_HARD: 'HARD_REBOOT',
        task_states.REBOOT_PENDING_HARD: 'HARD_REBOOT',
        task_states.REBOOT_STARTED_HARD: 'HARD_REBOOT',
        _UPDATING_PASSWORD: 'PASSWORD',
        _MIGRATING: 'MIGRATING',
        **_REBUILDING,
        **_RESIZING,
    },
    vm_states.BUILDING: {DEFAULT: 'BUILD'},
    vm_states.STOPPED: {DEFAULT: 'SHUTOFF', **_RESIZING, **_REBUILDING},
    vm_states.RESIZED: {
        DEFAULT: 'VERIFY_RESIZE',
        task_states.RESIZE_REVERTING: 'REVERT_RESIZE',
    },
    vm_states.PAUSED: {DEFAULT: 'PAUSED', _MIGRATING: 'MIGRATING'},
    vm_states.SUSPENDED: {DEFAULT: 'SUSPENDED'},
    vm_states.RESCUED: {DEFAULT: 'RESCUE'},
    vm_states.ERROR: {DEFAULT: 'ERROR', **_REBUILDING},
    vm_states.DELETED: {DEFAULT: 'DELETED'},
    vm_states.SOFT_DELETED: {DEFAULT: 'SOFT_DELETED'},
    vm_states.SHELVED: {DEFAULT: 'SHELVED'},
    vm_states.SHELVED_OFFLOADED: {DEFAULT: 'SHELVED_OFFLOADED'},
}


def status_from_state(vm_state: str | None,
                      task_state: str | None = None) -> str:
    """The API status of a server in ``vm_state`` doing ``task_state``."""
    task_map = _STATE_MAP.get(vm_state or '', {DEFAULT: UNKNOWN})
    status = task_map.get(task_state, task_map[DEFAULT])
    if status == UNKNOWN:
        LOG.error('No API status for vm_state=%s task_state=%s',
                  vm_state, task_state)
    return status


def states_from_status(statuses: list[str]
                       ) -> tuple[list[str], list[str]]:
    """The vm states and task states an API status filter stands for.

    The task states include ``'default'`` when some vm state matches
    whatever its task state; callers then need no task-state filter.
    """
    wanted = {status.upper() for status in statuses}
    vm_found: set[str] = set()
    task_found: set[str] = set()
    for vm_state, task_map in _STATE_MAP.items():
        for task_state, status in task_map.items():
            if status in wanted:
                vm_found.add(vm_state)
                task_found.add(task_state or DEFAULT)
    return sorted(vm_found), sorted(task_found)
