"""Operator actions on a compute host that change no instance state:
pushing the network configuration into a guest again, and reading its
diagnostics.

Each function is the work behind one compute manager RPC method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from oslo_log import log as logging

from nova import exception
from nova import objects
from nova.compute import power_state
from nova.context import RequestContext

if TYPE_CHECKING:
    from nova.compute.manager import ComputeManager

LOG = logging.getLogger(__name__)


def inject_network_info(mgr: ComputeManager, ctxt: RequestContext,
                        instance: objects.Instance) -> None:
    """Hand the instance's addresses to the driver once more.  Nova
    records no instance action for it; a failure is logged (the caller
    got its 202 long ago)."""
    try:
        instance = mgr.refresh(ctxt, instance)
        mgr.driver.inject_network_info(ctxt, instance,
                                       list(instance.network_info or []))
    except Exception as error:
        LOG.warning('Cannot inject network information into %s: %s',
                    instance.uuid, error)
        return
    LOG.info('Network information injected into %s', instance.uuid)


def diagnostics(mgr: ComputeManager, ctxt: RequestContext,
                instance: objects.Instance, standard: bool = False
                ) -> dict[str, Any]:
    """The driver's counters of a running instance, free-form or in
    the standard form of 2.48 (``standard``); InstanceInvalidState when
    it does not run (Nova answers 409 then)."""
    instance = mgr.refresh(ctxt, instance)
    state = mgr.driver.get_power_state(instance)
    if state != power_state.RUNNING:
        raise exception.InstanceInvalidState(
            method='get_diagnostics', instance_uuid=instance.uuid,
            attr='power_state',
            state=power_state.STATE_MAP.get(state, state))
    if standard:
        return mgr.driver.get_instance_diagnostics(ctxt, instance)
    return mgr.driver.get_diagnostics(ctxt, instance)

