"""A fake hypervisor driver with real bookkeeping.

One driver may simulate several nodes (``[fake_driver] nodes``), so one
nova-compute process can stand for many hosts.  Each guest is tracked with
its node, power state and the vCPUs, RAM and disk it uses, and keeps a
console log made of what happened to it, so its output is the same on
every run.  The source copy of a guest being resized stays on its node
until the resize is confirmed or reverted.

Operations can be slowed (``spawn_delay``, ``action_delay``) or made to
fail on purpose:

* a spawn fails when ``[fake_driver] fail_spawn`` is set, the flavor has
  the extra spec ``fake:spawn_fail=true`` or the image id starts with
  ``fail-`` (this exercises rescheduling);
* any operation fails when its name is listed in the instance metadata
  key ``fake:fail`` (``spawn``, ``reboot``, ``power_off``, ``snapshot``,
  ``migrate_disk_and_power_off``, ...).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from nova import exception
from nova.compute import power_state
from nova.context import RequestContext
from nova.virt import driver

FAIL_SPEC = 'fake:spawn_fail'
# Simulated traffic of one interface between two bandwidth polls.
BYTES_PER_POLL = 4096
FAIL_METADATA = 'fake:fail'


class FakeSpawnError(exception.NovaException):
    msg_fmt = 'Simulated spawn failure for instance %(uuid)s.'


class FakeOperationError(exception.NovaException):
    msg_fmt = 'Simulated %(operation)s failure for instance %(uuid)s.'


class FakeInstanceNotFound(exception.NotFound):
    msg_fmt = 'Instance %(uuid)s is not on this hypervisor.'


def _usage(flavor: Any) -> dict[str, int]:
    if flavor is None:
        return {'vcpus': 0, 'memory_mb': 0, 'local_gb': 0}
    return {'vcpus': flavor.vcpus, 'memory_mb': flavor.memory_mb,
            'local_gb': (flavor.root_gb or 0) + (flavor.ephemeral_gb or 0)}


@dataclasses.dataclass
class _Guest:
    node: str
    usage: dict[str, int]
    power_state: int = power_state.RUNNING
    rescued: bool = False
    # Bandwidth polls seen, for simulated traffic.
    polls: int = 0
    log: list[str] = dataclasses.field(default_factory=list)
    # The security group rules it is filtered by, as last given.
    security_rules: list[dict[str, Any]] = dataclasses.field(
        default_factory=list)

    def say(self, line: str) -> None:
        # Timestamps count log lines, not time: the log is deterministic.
        self.log.append('[%8.6f] %s' % (len(self.log) * 0.25, line))


class FakeDriver(driver.ComputeDriver):
    def __init__(self, conf: Any, host: str) -> None:
        super().__init__(conf, host)
        opts = conf.fake_driver
        self._nodes = list(opts.nodes) or [host]
        self._totals = {'vcpus': opts.vcpus, 'memory_mb': opts.memory_mb,
                        'local_gb': opts.local_gb,
                        'hypervisor_type': 'fake',
                        'hypervisor_version': 1000}
        self._lock = threading.Lock()
        self._guests: dict[str, _Guest] = {}
        # The source copies of guests being resized away from here.
        self._outgoing: dict[str, _Guest] = {}

    # -- inventory ------------------------------------------------------

    def get_available_nodes(self) -> list[str]:
        return list(self._nodes)

    def get_available_resource(self, node: str) -> dict[str, Any]:
        if node not in self._nodes:
            raise exception.ComputeHostNotFound(host=node)
        return dict(self._totals, hypervisor_hostname=node)

    def node_usage(self, node: str) -> dict[str, int]:
        """What the guests on ``node`` use, source copies included."""
        used = {'vcpus': 0, 'memory_mb': 0, 'local_gb': 0}
        with self._lock:
            for guest in list(self._guests.values()) + list(
                    self._outgoing.values()):
                if guest.node == node:
                    for key in used:
                        used[key] += guest.usage[key]
        return used

    def list_instances(self) -> list[str]:
        with self._lock:
            return list(self._guests)

    def get_power_state(self, instance: Any) -> int:
        with self._lock:
            guest = self._guests.get(instance.uuid)
        return guest.power_state if guest else power_state.NOSTATE

    # -- helpers --------------------------------------------------------

    def _check(self, instance: Any, operation: str) -> None:
        delay = (self.conf.fake_driver.spawn_delay if operation == 'spawn'
                 else self.conf.fake_driver.action_delay)
        if delay:
            time.sleep(delay)
        wanted = (instance.metadata or {}).get(FAIL_METADATA) or ''
        if operation in [w.strip() for w in wanted.split(',')]:
            raise FakeOperationError(operation=operation, uuid=instance.uuid)

    def _guest(self, instance: Any) -> _Guest:
        guest = self._guests.get(instance.uuid)
        if guest is None:
            raise FakeInstanceNotFound(uuid=instance.uuid)
        return guest

    def _set_power(self, instance: Any, operation: str, state: int,
                   line: str) -> None:
        self._check(instance, operation)
        with self._lock:
            guest = self._guest(instance)
            guest.power_state = state
            guest.say(line)

    # -- life cycle -----------------------------------------------------

    def spawn(self, context: RequestContext, instance: Any, node: str,
              network_info: list[dict[str, Any]],
              image_meta: Any = None) -> None:
        specs = (instance.flavor.extra_specs
                 if instance.flavor is not None else {})
        if (self.conf.fake_driver.fail_spawn
                or str(specs.get(FAIL_SPEC, '')).lower() == 'true'
                or (instance.image_ref or '').startswith('fail-')):
            if self.conf.fake_driver.spawn_delay:
                time.sleep(self.conf.fake_driver.spawn_delay)
            raise FakeSpawnError(uuid=instance.uuid)
        self._check(instance, 'spawn')
        guest = _Guest(node=node, usage=_usage(instance.flavor))
        guest.say('Linux version 4.4.0-fake (nova@%s)' % self.host)
        guest.say('Booting from image %s' % instance.image_ref)
        for vif in network_info:
            guest.say('eth0: address %s' % vif.get('address'))
        guest.say('%s login:' % (instance.hostname or instance.uuid))
        with self._lock:
            self._guests[instance.uuid] = guest

    def destroy(self, context: RequestContext, instance: Any) -> None:
        with self._lock:
            self._guests.pop(instance.uuid, None)

    # -- security groups ------------------------------------------------

    def refresh_instance_security_rules(self, instance: Any,
                                        rules: list[dict[str, Any]]
                                        ) -> None:
        """Record the rules (a guest not here has none to record)."""
        ordered = sorted((dict(rule) for rule in rules),
                         key=lambda r: sorted((k, str(v))
                                              for k, v in r.items()))
        with self._lock:
            guest = self._guests.get(instance.uuid)
            if guest is not None:
                guest.security_rules = ordered

    def security_rules(self, instance_uuid: str
                       ) -> list[dict[str, Any]] | None:
        """The rules a guest is filtered by; None when it is not
        here."""
        with self._lock:
            guest = self._guests.get(instance_uuid)
            return (None if guest is None
                    else [dict(rule) for rule in guest.security_rules])

    def forget_outgoing(self, instance_uuid: str) -> None:
        """Drop the source copy of a resized guest deleted meanwhile."""
        with self._lock:
            self._outgoing.pop(instance_uuid, None)

    # -- power ----------------------------------------------------------

    def reboot(self, context: RequestContext, instance: Any, reboot_type: str
               ) -> None:
        self._set_power(instance, 'reboot', power_state.RUNNING,
                        'Reboot (%s)' % reboot_type.lower())

    def power_off(self, context: RequestContext, instance: Any) -> None:
        self._set_power(instance, 'power_off', power_state.SHUTDOWN,
                        'Power down')

    def power_on(self, context: RequestContext, instance: Any) -> None:
        self._set_power(instance, 'power_on', power_state.RUNNING,
                        'Power up')

    def pause(self, context: RequestContext, instance: Any) -> None:
        self._set_power(instance, 'pause', power_state.PAUSED, 'Paused')

    def unpause(self, context: RequestContext, instance: Any) -> None:
        self._set_power(instance, 'unpause', power_state.RUNNING,
                        'Unpaused')

    def suspend(self, context: RequestContext, instance: Any) -> None:
        self._set_power(instance, 'suspend', power_state.SUSPENDED,
                        'Suspended to disk')

    def resume(self, context: RequestContext, instance: Any) -> None:
        self._set_power(instance, 'resume', power_state.RUNNING,
                        'Resumed from disk')

    def rescue(self, context: RequestContext, instance: Any, image_meta: Any,
               rescue_password: str) -> None:
        self._check(instance, 'rescue')
        with self._lock:
            guest = self._guest(instance)
            guest.rescued = True
            guest.power_state = power_state.RUNNING
            guest.say('Rescue boot from image %s' % (
                image_meta.id if image_meta else instance.image_ref))
            props = (image_meta.properties or {}) if image_meta else {}
            if props.get('hw_rescue_device') or props.get('hw_rescue_bus'):
                # Stable device rescue: the rescue image comes as an extra
                # device, the server's own disks keep their places.
                guest.say('Rescue %s on bus %s, own disks in place' % (
                    props.get('hw_rescue_device') or 'disk',
                    props.get('hw_rescue_bus') or 'default'))

    def unrescue(self, context: RequestContext, instance: Any) -> None:
        self._check(instance, 'unrescue')
        with self._lock:
            guest = self._guest(instance)
            guest.rescued = False
            guest.power_state = power_state.RUNNING
            guest.say('Boot from own disk')

    def get_console_output(self, context: RequestContext, instance: Any
                           ) -> str:
        self._check(instance, 'get_console_output')
        with self._lock:
            return ''.join(line + '\n'
                           for line in self._guest(instance).log)

    # -- images and moves -----------------------------------------------

    def snapshot(self, context: RequestContext, instance: Any,
                 image_id: str) -> dict[str, Any]:
        self._check(instance, 'snapshot')
        with self._lock:
            guest = self._guest(instance)
            guest.say('Disk snapshot to image %s' % image_id)
            size_gb = guest.usage['local_gb']
        # A fake disk is "used" at one tenth of its size.
        return {'size': size_gb * 1024 ** 3 // 10}

    def migrate_disk_and_power_off(self, context: RequestContext,
                                   instance: Any, dest_host: str, flavor: Any
                                   ) -> None:
        self._check(instance, 'migrate_disk_and_power_off')
        with self._lock:
            guest = self._guests.pop(instance.uuid, None)
            if guest is None:
                raise FakeInstanceNotFound(uuid=instance.uuid)
            guest.power_state = power_state.SHUTDOWN
            guest.say('Power down for migration to %s' % dest_host)
            self._outgoing[instance.uuid] = guest

    def finish_migration(self, context: RequestContext, instance: Any,
                         node: str, flavor: Any, power_on: bool) -> None:
        self._check(instance, 'finish_migration')
        guest = _Guest(node=node, usage=_usage(flavor),
                       power_state=(power_state.RUNNING if power_on
                                    else power_state.SHUTDOWN))
        guest.say('Resized to flavor %s on %s' % (flavor.name, node))
        with self._lock:
            self._guests[instance.uuid] = guest

    def confirm_migration(self, context: RequestContext, instance: Any
                          ) -> None:
        self._check(instance, 'confirm_migration')
        self.forget_outgoing(instance.uuid)

    def finish_revert_migration(self, context: RequestContext, instance: Any,
                                power_on: bool) -> None:
        self._check(instance, 'finish_revert_migration')
        with self._lock:
            guest = self._outgoing.pop(instance.uuid, None)
            if guest is None:
                raise FakeInstanceNotFound(uuid=instance.uuid)
            guest.power_state = (power_state.RUNNING if power_on
                                 else power_state.SHUTDOWN)
            guest.say('Resize reverted')
            self._guests[instance.uuid] = guest

    def get_all_bw_counters(self, instances: list[Any]
                            ) -> list[dict[str, Any]]:
        # Each poll shows some more traffic on every running interface.
        counters = []
        with self._lock:
            for instance in instances:
                guest = self._guests.get(instance.uuid)
                if guest is None:
                    continue
                guest.polls += 1
                for vif in instance.network_info or []:
                    counters.append({
                        'uuid': instance.uuid,
                        'mac_address': vif.get('mac'),
                        'bw_in': guest.polls * BYTES_PER_POLL,
                        'bw_out': guest.polls * BYTES_PER_POLL // 2})
        return counters

    # -- operator views -------------------------------------------------

    def set_admin_password(self, instance: Any, new_pass: str) -> None:
        """Noted in the guest's console (the password itself is not)."""
        self._check(instance, 'set_admin_password')
        with self._lock:
            guest = self._guest(instance)
            if guest.power_state != power_state.RUNNING:
                raise FakeOperationError(operation='set_admin_password',
                                         uuid=instance.uuid)
            guest.say('Administrator password changed (%d characters)'
                      % len(new_pass))

    def get_instance_diagnostics(self, context: RequestContext,
                                 instance: Any) -> dict[str, Any]:
        """The counters of :meth:`get_diagnostics` in the standard form.
        Its driver is ``libvirt``, the only kind whose counters it
        imitates (the form allows no other name for it)."""
        legacy = self.get_diagnostics(context, instance)
        cpus = sorted(int(key[3:-5]) for key in legacy
                      if key.startswith('cpu') and key.endswith('_time'))
        nics = []
        for index, vif in enumerate(instance.network_info or []):
            prefix = 'vnet%d_' % index
            nics.append({
                'mac_address': (vif or {}).get('mac'),
                'rx_octets': legacy[prefix + 'rx'],
                'rx_errors': legacy[prefix + 'rx_errors'],
                'rx_drop': legacy[prefix + 'rx_drop'],
                'rx_packets': legacy[prefix + 'rx_packets'],
                'rx_rate': None,
                'tx_octets': legacy[prefix + 'tx'],
                'tx_errors': legacy[prefix + 'tx_errors'],
                'tx_drop': legacy[prefix + 'tx_drop'],
                'tx_packets': legacy[prefix + 'tx_packets'],
                'tx_rate': None})
        memory_kib = legacy['memory']
        return {
            'state': power_state.STATE_MAP.get(
                self.get_power_state(instance), 'pending'),
            'driver': 'libvirt', 'hypervisor': self._totals['hypervisor_type'],
            'hypervisor_os': 'linux', 'uptime': None, 'config_drive': False,
            'num_cpus': len(cpus), 'num_nics': len(nics), 'num_disks': 1,
            'memory_details': {'maximum': memory_kib // 1024,
                               'used': memory_kib // 1024},
            'cpu_details': [{'id': cpu,
                             'time': legacy['cpu%d_time' % cpu],
                             'utilisation': None} for cpu in cpus],
            'nic_details': nics,
            'disk_details': [{
                'read_bytes': legacy['vda_read'],
                'read_requests': legacy['vda_read_req'],
                'write_bytes': legacy['vda_write'],
                'write_requests': legacy['vda_write_req'],
                'errors_count': legacy['vda_errors']}],
        }

    def inject_network_info(self, context: RequestContext, instance: Any,
                            network_info: list[dict[str, Any]]) -> None:
        self._check(instance, 'inject_network_info')
        with self._lock:
            guest = self._guest(instance)
            guest.say('Network configuration injected: %d interface(s)'
                      % len(network_info))

    def get_diagnostics(self, context: RequestContext, instance: Any
                        ) -> dict[str, Any]:
        """Counters shaped like Nova's libvirt diagnostics, derived from
        this guest's bookkeeping so that they are the same on every run:
        a CPU time per vCPU, the memory in KiB, the disk and each
        interface's traffic (as the bandwidth polls count it)."""
        self._check(instance, 'get_diagnostics')
        with self._lock:
            guest = self._guest(instance)
            lines = len(guest.log)
            polls = guest.polls
            usage = dict(guest.usage)
        diagnostics: dict[str, Any] = {
            'cpu%d_time' % cpu: 17300000000 + lines * 1000000
            for cpu in range(max(usage['vcpus'], 1))}
        diagnostics.update({
            'memory': usage['memory_mb'] * 1024,
            'vda_errors': -1, 'vda_read': 262144, 'vda_read_req': 112,
            'vda_write': 5778432 + lines * 4096,
            'vda_write_req': 488 + lines})
        for index, _vif in enumerate(instance.network_info or []):
            prefix = 'vnet%d_' % index
            diagnostics.update({
                prefix + 'rx': polls * BYTES_PER_POLL,
                prefix + 'rx_drop': 0, prefix + 'rx_errors': 0,
                prefix + 'rx_packets': polls * 4,
                prefix + 'tx': polls * BYTES_PER_POLL // 2,
                prefix + 'tx_drop': 0, prefix + 'tx_errors': 0,
                prefix + 'tx_packets': polls * 2})
        return diagnostics
