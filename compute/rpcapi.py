"""Client side of the compute RPC API (topic ``compute``).

API version history:

* 1.0 - Initial version: build_and_run_instance, terminate_instance.
* 1.1 - Server actions: reboot_instance, stop_instance, start_instance,
  pause_instance, unpause_instance, suspend_instance, resume_instance,
  rebuild_instance, prep_resize, resize_instance, finish_resize,
  confirm_resize, revert_resize, finish_revert_resize,
  snapshot_instance, rescue_instance, unrescue_instance,
  shelve_instance, shelve_offload_instance, unshelve_instance,
  get_console_output.
* 1.2 - Operator actions: inject_network_info, get_diagnostics.
* 1.3 - Soft delete: soft_delete_instance, restore_instance.
* 1.4 - Moves between cells (calls): move_out_of_cell, move_into_cell,
  drop_moved_instance, move_back_in_cell.
* 1.6 - refresh_instance_security_rules: apply an instance's security
  group rules again.
* 1.7 - get_instance_diagnostics (the standard form of 2.48),
  set_admin_password.
"""

from __future__ import annotations

from typing import Any

import oslo_messaging

from nova import objects
from nova import rpc
from nova.context import RequestContext

RPC_TOPIC = 'compute'


class ComputeAPI:
    VERSION = '1.7'

    def __init__(self, transport: oslo_messaging.Transport,
                 timeout: float | None = None) -> None:
        target = oslo_messaging.Target(topic=RPC_TOPIC, version='1.0')
        self.client = rpc.get_client(transport, target, timeout=timeout)

    def _cast(self, ctxt: RequestContext, host: str | None, method: str,
              version: str = '1.1', **kwargs: Any) -> None:
        self.client.prepare(server=host, version=version).cast(
            ctxt, method, **kwargs)

    # -- 1.0 ------------------------------------------------------------

    def build_and_run_instance(self, ctxt: RequestContext, host: str,
                               instance: Any, node: str,
                               request_spec: dict[str, Any],
                               filter_properties: dict[str, Any]) -> None:
        self._cast(ctxt, host, 'build_and_run_instance', version='1.0',
                   instance=instance, node=node, request_spec=request_spec,
                   filter_properties=filter_properties)

    def terminate_instance(self, ctxt: RequestContext, instance: Any) -> None:
        self._cast(ctxt, instance.host, 'terminate_instance', version='1.0',
                   instance=instance)

    # -- 1.1: power -----------------------------------------------------

    def reboot_instance(self, ctxt: RequestContext, instance: objects.Instance,
                        reboot_type: str) -> None:
        self._cast(ctxt, instance.host, 'reboot_instance',
                   instance=instance, reboot_type=reboot_type)

    def stop_instance(self, ctxt: RequestContext, instance: objects.Instance
                      ) -> None:
        self._cast(ctxt, instance.host, 'stop_instance', instance=instance)

    def start_instance(self, ctxt: RequestContext, instance: objects.Instance
                       ) -> None:
        self._cast(ctxt, instance.host, 'start_instance', instance=instance)

    def pause_instance(self, ctxt: RequestContext, instance: objects.Instance
                       ) -> None:
        self._cast(ctxt, instance.host, 'pause_instance', instance=instance)

    def unpause_instance(self, ctxt: RequestContext,
                         instance: objects.Instance) -> None:
        self._cast(ctxt, instance.host, 'unpause_instance',
                   instance=instance)

    def suspend_instance(self, ctxt: RequestContext,
                         instance: objects.Instance) -> None:
        self._cast(ctxt, instance.host, 'suspend_instance',
                   instance=instance)

    def resume_instance(self, ctxt: RequestContext, instance: objects.Instance
                        ) -> None:
        self._cast(ctxt, instance.host, 'resume_instance', instance=instance)

    def rescue_instance(self, ctxt: RequestContext, instance: objects.Instance,
                        rescue_password: str,
                        rescue_image: objects.ImageMeta | None) -> None:
        self._cast(ctxt, instance.host, 'rescue_instance', instance=instance,
                   rescue_password=rescue_password,
                   rescue_image=rescue_image)

    def unrescue_instance(self, ctxt: RequestContext,
                          instance: objects.Instance) -> None:
        self._cast(ctxt, instance.host, 'unrescue_instance',
                   instance=instance)

    def get_console_output(self, ctxt: RequestContext,
                           instance: objects.Instance, tail_length: int | None
                           ) -> str:
        return self.client.prepare(server=instance.host, version='1.1').call(
            ctxt, 'get_console_output', instance=instance,
            tail_length=tail_length)

    # -- 1.1: images ----------------------------------------------------

    def rebuild_instance(self, ctxt: RequestContext,
                         instance: objects.Instance, image: objects.ImageMeta,
                         admin_password: str | None) -> None:
        self._cast(ctxt, instance.host, 'rebuild_instance',
                   instance=instance, image=image,
                   admin_password=admin_password)

    def snapshot_instance(self, ctxt: RequestContext,
                          instance: objects.Instance, image_id: str) -> None:
        self._cast(ctxt, instance.host, 'snapshot_instance',
                   instance=instance, image_id=image_id)

    def shelve_instance(self, ctxt: RequestContext, instance: objects.Instance,
                        image_id: str) -> None:
        self._cast(ctxt, instance.host, 'shelve_instance', instance=instance,
                   image_id=image_id)

    def shelve_offload_instance(self, ctxt: RequestContext,
                                instance: objects.Instance) -> None:
        self._cast(ctxt, instance.host, 'shelve_offload_instance',
                   instance=instance)

    def unshelve_instance(self, ctxt: RequestContext, host: str,
                          instance: objects.Instance,
                          image: objects.ImageMeta | None,
                          node: str | None,
                          filter_properties: dict[str, Any] | None
                          ) -> None:
        """Bring a shelved instance back on ``host`` (its own host when it
        was not offloaded, else the one the scheduler chose)."""
        self._cast(ctxt, host, 'unshelve_instance', instance=instance,
                   image=image, node=node,
                   filter_properties=filter_properties)

    # -- 1.1: resize ----------------------------------------------------

    def prep_resize(self, ctxt: RequestContext, host: str,
                    instance: objects.Instance, flavor: objects.Flavor,
                    node: str, filter_properties: dict[str, Any]) -> None:
        """On the destination: claim the new flavor, then have the source
        send the instance."""
        self._cast(ctxt, host, 'prep_resize', instance=instance,
                   flavor=flavor, node=node,
                   filter_properties=filter_properties)

    def resize_instance(self, ctxt: RequestContext, instance: objects.Instance,
                        migration_id: int) -> None:
        self._cast(ctxt, instance.host, 'resize_instance',
                   instance=instance, migration_id=migration_id)

    def finish_resize(self, ctxt: RequestContext, host: str,
                      instance: objects.Instance, migration_id: int) -> None:
        self._cast(ctxt, host, 'finish_resize', instance=instance,
                   migration_id=migration_id)

    def confirm_resize(self, ctxt: RequestContext, host: str,
                       instance: objects.Instance, migration_id: int
                       ) -> None:
        self._cast(ctxt, host, 'confirm_resize', instance=instance,
                   migration_id=migration_id)

    def revert_resize(self, ctxt: RequestContext, host: str,
                      instance: objects.Instance, migration_id: int) -> None:
        self._cast(ctxt, host, 'revert_resize', instance=instance,
                   migration_id=migration_id)

    def finish_revert_resize(self, ctxt: RequestContext, host: str,
                             instance: objects.Instance,
                             migration_id: int) -> None:
        self._cast(ctxt, host, 'finish_revert_resize', instance=instance,
                   migration_id=migration_id)

    # -- 1.2: operator actions ------------------------------------------

    def inject_network_info(self, ctxt: RequestContext,
                            instance: objects.Instance) -> None:
        self._cast(ctxt, instance.host, 'inject_network_info',
                   version='1.2', instance=instance)

    def get_diagnostics(self, ctxt: RequestContext,
                        instance: objects.Instance) -> dict[str, Any]:
        return self.client.prepare(server=instance.host, version='1.2').call(
            ctxt, 'get_diagnostics', instance=instance)

    def set_admin_password(self, ctxt: RequestContext,
                           instance: objects.Instance, password: str
                           ) -> None:
        self._cast(ctxt, instance.host, 'set_admin_password',
                   version='1.7', instance=instance, password=password)

    def get_instance_diagnostics(self, ctxt: RequestContext,
                                 instance: objects.Instance
                                 ) -> dict[str, Any]:
        return self.client.prepare(server=instance.host, version='1.7').call(
            ctxt, 'get_instance_diagnostics', instance=instance)

    # -- 1.3: soft delete -----------------------------------------------

    def soft_delete_instance(self, ctxt: RequestContext,
                             instance: objects.Instance) -> None:
        """Power the instance off and keep it, SOFT_DELETED, until it is
        restored or reclaimed."""
        self._cast(ctxt, instance.host, 'soft_delete_instance',
                   version='1.3', instance=instance)

    def restore_instance(self, ctxt: RequestContext,
                         instance: objects.Instance) -> None:
        """Bring a soft-deleted instance back: powered on, ACTIVE."""
        self._cast(ctxt, instance.host, 'restore_instance', version='1.3',
                   instance=instance)

    # -- 1.6: security groups -------------------------------------------

    def refresh_instance_security_rules(self, ctxt: RequestContext,
                                        instance: objects.Instance) -> None:
        self._cast(ctxt, instance.host, 'refresh_instance_security_rules',
                   version='1.6', instance=instance)

    # -- 1.4: moves between cells ---------------------------------------
    #
    # Calls: the cell driving the move (nova.cells.moves) takes its next
    # step only once this one is done, and undoes the move if it failed.

    def _move_call(self, ctxt: RequestContext, host: str | None, method: str,
                   **kwargs: Any) -> None:
        self.client.prepare(server=host, version='1.4').call(
            ctxt, method, **kwargs)

    def move_out_of_cell(self, ctxt: RequestContext,
                         instance: objects.Instance, dest_cell: str,
                         action: str) -> None:
        """Stop the guest on its host, keeping it there for a revert."""
        self._move_call(ctxt, instance.host, 'move_out_of_cell',
                        instance=instance, dest_cell=dest_cell,
                        action=action)

    def move_into_cell(self, ctxt: RequestContext, host: str,
                       instance: objects.Instance, node: str, action: str
                       ) -> None:
        """Run the moved instance on ``host`` of the target cell."""
        self._move_call(ctxt, host, 'move_into_cell', instance=instance,
                        node=node, action=action)

    def drop_moved_instance(self, ctxt: RequestContext,
                            instance: objects.Instance, action: str
                            ) -> None:
        """Free what the instance holds on its host of this cell."""
        self._move_call(ctxt, instance.host, 'drop_moved_instance',
                        instance=instance, action=action)

    def move_back_in_cell(self, ctxt: RequestContext,
                          instance: objects.Instance, action: str) -> None:
        """Run the kept guest again on its source host."""
        self._move_call(ctxt, instance.host, 'move_back_in_cell',
                        instance=instance, action=action)
