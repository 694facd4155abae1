"""Flavor extra spec validation (microversion 2.86).

From 2.86 a spec set through ``os-extra_specs`` is checked against the
registry of specs Nova knows: a known key's value must have its type
(boolean-like, integer in range, one of a list, or of a format), and a
key in a namespace Nova knows (``hw:``, ``quota:``, ``resources1:``...)
must be one of that namespace's keys.  Keys without a namespace, or in a
namespace Nova does not know, are the operator's own and pass, as in Nova.
Each failure is a 400 and nothing is stored.

The registry follows Nova's: this deployment's fake driver honours few of
these specs, but a flavor written here must be one Nova would take.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from typing import NoReturn

from oslo_utils import strutils

from nova.api import errors

_CPU_MAP = r'\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*'
_GROUP = r'(_[a-zA-Z0-9_]*|\d+)?'


@dataclasses.dataclass(frozen=True)
class _Spec:
    """One known key (a regular expression) and what its value must be."""

    name: str
    kind: str                       # 'bool', 'int' or 'str'
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None

    def check(self, value: str) -> None:
        if self.kind == 'bool':
            try:
                strutils.bool_from_string(value, strict=True)
            except ValueError:
                _fail(f"'{value}' is not a valid boolean-like value.")
        elif self.kind == 'int':
            try:
                number = int(value)
            except ValueError:
                _fail(f"'{value}' is not a valid integer value.")
            if self.maximum is not None and number > self.maximum:
                _fail(f"'{value}' is greater than the max value of "
                      f"'{self.maximum}'.")
            if self.minimum is not None and number < self.minimum:
                _fail(f"'{value}' is less than the min value of "
                      f"'{self.minimum}'.")
        elif self.pattern is not None:
            if not re.fullmatch(self.pattern, value):
                _fail(f"'{value}' is not of the format '{self.pattern}'.")
        elif self.choices and value not in self.choices:
            _fail(f"'{value}' is not one of: {', '.join(self.choices)}.")


def _fail(why: str) -> NoReturn:
    raise errors.BadRequest(reason=f'Validation failed; {why}')


def _bool(name: str) -> _Spec:
    return _Spec(name, 'bool')


def _int(name: str, minimum: int | None = None) -> _Spec:
    return _Spec(name, 'int', minimum=minimum)


def _enum(name: str, *choices: str) -> _Spec:
    return _Spec(name, 'str', choices=choices)


def _text(name: str, pattern: str | None = None) -> _Spec:
    return _Spec(name, 'str', pattern=pattern)


_LIBVIRT_QUOTAS = (
    [_int(f'quota:disk_{op}_{unit}_sec', 0)
     for op in ('read', 'write', 'total') for unit in ('bytes', 'iops')]
    + [_int(f'quota:vif_{way}_{kind}', 0)
       for way in ('inbound', 'outbound')
       for kind in ('average', 'peak', 'burst')])
_VMWARE_QUOTAS = [
    spec for res in ('cpu', 'memory', 'disk_io', 'vif') for spec in (
        _int(f'quota:{res}_limit', 0), _int(f'quota:{res}_reservation', 0),
        _enum(f'quota:{res}_shares_level', 'custom', 'high', 'normal',
              'low'),
        _int(f'quota:{res}_shares_share', 0))]

REGISTRY: tuple[_Spec, ...] = (
    # hw: the guest's virtual hardware.
    _bool('hw:cpu_realtime'), _text('hw:cpu_realtime_mask', _CPU_MAP),
    _bool('hw:hide_hypervisor_id'),
    _enum('hw:cpu_policy', 'dedicated', 'shared', 'mixed'),
    _enum('hw:cpu_thread_policy', 'prefer', 'isolate', 'require'),
    _enum('hw:emulator_threads_policy', 'isolate', 'share'),
    _text('hw:cpu_dedicated_mask', _CPU_MAP),
    _text('hw:mem_page_size', r'(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)'),
    _int('hw:numa_nodes', 1), _text(r'hw:numa_cpus\.\d+', _CPU_MAP),
    _int(r'hw:numa_mem\.\d+', 1),
    _enum('hw:pci_numa_affinity_policy', 'required', 'preferred', 'legacy',
          'socket'),
    _int('hw:cpu_sockets', 1), _int('hw:cpu_cores', 1),
    _int('hw:cpu_threads', 1), _int('hw:max_cpu_sockets', 1),
    _int('hw:max_cpu_cores', 1), _int('hw:max_cpu_threads', 1),
    _bool('hw:boot_menu'), _bool('hw:mem_encryption'),
    _text('hw:pmem', '([a-zA-Z0-9_]+(,)?)+'), _bool('hw:pmu'),
    _int('hw:serial_port_count', 0),
    _enum('hw:tpm_model', 'tpm-tis', 'tpm-crb'),
    _enum('hw:tpm_version', '1.2', '2.0'),
    _enum('hw:watchdog_action', 'none', 'pause', 'poweroff', 'reset',
          'disabled'),
    _bool('hw:vif_multiqueue_enabled'), _bool('hw:locked_memory'),
    _bool('hw:virtio_packed_ring'), _bool('hw:ephemeral_encryption'),
    _enum('hw:ephemeral_encryption_format', 'luks', 'plain'),
    _enum('hw:maxphysaddr_mode', 'emulate', 'passthrough'),
    _int('hw:maxphysaddr_bits', 1),
    _enum('hw:viommu_model', 'intel', 'smmuv3', 'virtio', 'auto'),
    # hw_rng:, hw_video:, os:
    _bool('hw_rng:allowed'), _int('hw_rng:rate_bytes', 0),
    _int('hw_rng:rate_period', 0), _int('hw_video:ram_max_mb', 0),
    _enum('os:secure_boot', 'required', 'disabled', 'optional'),
    # quota: libvirt's CPU, disk and interface tuning; VMware's shares.
    _int('quota:cpu_shares', 0), _int('quota:cpu_period', 0),
    _int('quota:cpu_quota'), *_LIBVIRT_QUOTAS, *_VMWARE_QUOTAS,
    # Placement: resources and traits, per request group.
    _int(rf'resources{_GROUP}:[A-Z0-9_]+', 0),
    _enum(rf'trait{_GROUP}:[a-zA-Z0-9_]+', 'required', 'forbidden'),
    _enum('group_policy', 'none', 'isolate'),
    # The other namespaces the scheduler and drivers read.
    _text('accel:device_profile'),
    _text('aggregate_instance_extra_specs:.+'), _text('capabilities:.+'),
    _text('pci_passthrough:alias',
          r'[^:]+:\d+(\s*,\s*[^:]+:\d+)*'),
    _text('vmware:hw_version'), _text('vmware:storage_policy'),
)

# A namespace is the part of a known key before its first colon.
_NAMESPACES = tuple(sorted({spec.name.split(':', 1)[0]
                            for spec in REGISTRY if ':' in spec.name}))


def validate(name: str, value: Any) -> None:
    """Check one spec; a 400 (:class:`errors.BadRequest`) when Nova would
    refuse it."""
    text = value if isinstance(value, str) else str(value)
    for spec in REGISTRY:
        if re.fullmatch(spec.name, name):
            spec.check(text)
            return
    if ':' not in name:
        return
    prefix = name.split(':', 1)[0]
    if any(re.fullmatch(namespace, prefix) for namespace in _NAMESPACES):
        _fail(f"extra spec '{name}' does not appear to be a valid extra "
              f"spec.")
