"""The interface nova-compute uses to drive a hypervisor."""

from __future__ import annotations

import abc
from typing import Any

from oslo_config import cfg
from oslo_utils import importutils

from nova.context import RequestContext


class ComputeDriver(abc.ABC):
    """What a hypervisor driver provides to the compute manager.

    ``instance`` arguments are :class:`nova.objects.Instance`;
    ``image_meta`` ones :class:`nova.objects.ImageMeta` (or None: the
    instance's own image).
    """

    def __init__(self, conf: cfg.ConfigOpts, host: str) -> None:
        self.conf = conf
        self.host = host

    def init_host(self) -> None:  # noqa: B027 - optional hook
        """Prepare the hypervisor before the service starts."""

    @abc.abstractmethod
    def get_available_nodes(self) -> list[str]:
        """Names of the hypervisor nodes this driver manages."""

    @abc.abstractmethod
    def get_available_resource(self, node: str) -> dict[str, Any]:
        """Totals of one node: vcpus, memory_mb, local_gb,
        hypervisor_type, hypervisor_version."""

    @abc.abstractmethod
    def spawn(self, context: RequestContext, instance: Any, node: str,
              network_info: list[dict[str, Any]],
              image_meta: Any = None) -> None:
        """Create and start an instance on ``node``."""

    @abc.abstractmethod
    def destroy(self, context: RequestContext, instance: Any) -> None:
        """Stop and remove an instance; a missing one is not an error."""

    @abc.abstractmethod
    def get_power_state(self, instance: Any) -> int:
        """The instance's power state (see ``nova.compute.power_state``)."""

    @abc.abstractmethod
    def list_instances(self) -> list[str]:
        """Uuids of the instances on this host."""

    # -- power ----------------------------------------------------------

    @abc.abstractmethod
    def reboot(self, context: RequestContext, instance: Any, reboot_type: str
               ) -> None:
        """Reboot: ``SOFT`` asks the guest, ``HARD`` resets it."""

    @abc.abstractmethod
    def power_off(self, context: RequestContext, instance: Any) -> None:
        """Stop the instance, keeping it on the host."""

    @abc.abstractmethod
    def power_on(self, context: RequestContext, instance: Any) -> None:
        """Start a stopped instance."""

    @abc.abstractmethod
    def pause(self, context: RequestContext, instance: Any) -> None:
        """Freeze the instance in memory."""

    @abc.abstractmethod
    def unpause(self, context: RequestContext, instance: Any) -> None:
        """Let a paused instance run again."""

    @abc.abstractmethod
    def suspend(self, context: RequestContext, instance: Any) -> None:
        """Save the instance's memory to disk and stop it."""

    @abc.abstractmethod
    def resume(self, context: RequestContext, instance: Any) -> None:
        """Restore a suspended instance."""

    @abc.abstractmethod
    def rescue(self, context: RequestContext, instance: Any, image_meta: Any,
               rescue_password: str) -> None:
        """Boot the instance from a rescue image, its disk attached."""

    @abc.abstractmethod
    def unrescue(self, context: RequestContext, instance: Any) -> None:
        """Boot the instance from its own disk again."""

    @abc.abstractmethod
    def get_console_output(self, context: RequestContext, instance: Any
                           ) -> str:
        """The instance's console log."""

    # -- images and moves -----------------------------------------------

    @abc.abstractmethod
    def snapshot(self, context: RequestContext, instance: Any,
                 image_id: str) -> dict[str, Any]:
        """Upload the instance's disk as image ``image_id``; returns what
        the image registry should record (``size``, ...)."""

    @abc.abstractmethod
    def migrate_disk_and_power_off(self, context: RequestContext,
                                   instance: Any, dest_host: str, flavor: Any
                                   ) -> None:
        """First half of a resize, on the source host: stop the instance
        and hand its disk to ``dest_host``."""

    @abc.abstractmethod
    def finish_migration(self, context: RequestContext, instance: Any,
                         node: str, flavor: Any, power_on: bool) -> None:
        """Second half of a resize, on the destination host."""

    @abc.abstractmethod
    def confirm_migration(self, context: RequestContext, instance: Any
                          ) -> None:
        """Drop the source's copy of a resized instance."""

    @abc.abstractmethod
    def finish_revert_migration(self, context: RequestContext, instance: Any,
                                power_on: bool) -> None:
        """Bring the source's copy of a reverted resize back."""

    def inject_network_info(  # noqa: B027 - optional hook
            self, context: RequestContext, instance: Any,
            network_info: list[dict[str, Any]]) -> None:
        """Push the instance's network configuration into the guest.
        Drivers whose guests take it from DHCP have nothing to do."""

    def refresh_instance_security_rules(  # noqa: B027 - optional hook
            self, instance: Any, rules: list[dict[str, Any]]) -> None:
        """Filter the instance's traffic by ``rules`` from now on: its
        security groups' ingress rules (``security_group``,
        ``protocol``, ``from_port``, ``to_port``, ``cidr``,
        ``group_id``), replacing those given before.  Drivers that do
        not filter have nothing to do."""

    def get_diagnostics(self, context: RequestContext, instance: Any
                        ) -> dict[str, Any]:
        """The hypervisor's counters of a running instance (Nova's
        pre-2.48 free-form diagnostics)."""
        raise NotImplementedError()

    def set_admin_password(self, instance: Any, new_pass: str) -> None:
        """Set the administrator password inside the running guest."""
        raise NotImplementedError()

    def get_instance_diagnostics(self, context: RequestContext,
                                 instance: Any) -> dict[str, Any]:
        """The same counters in Nova's standard form (2.48): ``state``,
        ``driver``, ``hypervisor``, ``hypervisor_os``, ``uptime``,
        ``config_drive``, ``num_cpus``/``num_nics``/``num_disks``,
        ``memory_details``, ``cpu_details``, ``nic_details`` and
        ``disk_details``."""
        raise NotImplementedError()

    def get_all_bw_counters(self, instances: list[Any]
                            ) -> list[dict[str, Any]]:
        """Traffic counters of the instances' interfaces: dicts with
        ``uuid``, ``mac_address``, ``bw_in`` and ``bw_out`` (bytes since
        the interface appeared).  Drivers that cannot tell return []."""
        return []


def load_compute_driver(conf: cfg.ConfigOpts, host: str) -> ComputeDriver:
    """Build the driver named by ``[DEFAULT] compute_driver``."""
    name = conf.compute_driver
    if '.' in name and not name.startswith('nova.virt.'):
        name = 'nova.virt.' + name
    driver = importutils.import_object(name, conf, host)
    if not isinstance(driver, ComputeDriver):
        raise TypeError('%s is not a compute driver' % conf.compute_driver)
    return driver

