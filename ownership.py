"""Field authority: which copy of an instance decides each field.

An instance lives in two places: the cell that runs it (its *owner*) and
the API cell's replica.  Each field has one authority:

* The owner decides what the instance *is*: its states, where it runs,
  its flavor and image (a resize or rebuild happens there), its
  addresses.  The top takes these from the owner's updates, in
  ``sync_version`` order, and never changes them itself (except an
  administrator's state reset, which it sends down to the owner).
* The API cell decides what users *call* it: name, description,
  hostname (settable from microversion 2.90), metadata, tags, access
  addresses, disk config (set on create, update, rebuild or resize),
  lock (and the lock's reason, a system metadata key), the zone it is
  pinned to (system metadata too).  The owner
  takes these from the API's updates, in ``api_version`` order, and
  never changes them itself.
* Everything else is set once at creation (uuid, owner project and user,
  key, user data, reservation) and never changes.

The database enforces it when it applies one side's changes to the other's
copy (:mod:`nova.db`); nova-cells sends each side only what it owns.
"""

CHILD_OWNED_FIELDS = frozenset([
    'vm_state', 'task_state', 'power_state', 'host', 'node',
    'availability_zone', 'launched_at', 'terminated_at', 'progress',
    'network_info', 'system_metadata', 'flavor',
    'instance_type_id', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb',
    'image_ref', 'updated_at',
])
API_OWNED_FIELDS = frozenset([
    'display_name', 'display_description', 'access_ip_v4', 'access_ip_v6',
    'auto_disk_config', 'metadata', 'locked', 'locked_by', 'tags',
    'hostname',
])
# The lock's reason; the zone a server is pinned to (the one its create
# or unshelve named, microversion 2.96 shows it).
API_OWNED_SYSTEM_METADATA = frozenset(['locked_reason',
                                       'pinned_availability_zone'])
