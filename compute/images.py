"""Images as the compute services see them.

The image registry belongs to the API cell (its ``images`` table).  This
module holds what the compute side needs around it:

* the default image a new API cell starts with (:func:`ensure_default_images`);
* how an image's metadata rides along with an instance: copied into its
  system metadata at boot (``image_*`` keys, as Nova does), read back for
  a resize, an unshelve or a snapshot;
* the device a rescue image asks for (:func:`rescue_device`);
* :class:`ImageRegistryClient`, through which a compute host reports on
  the images it writes (snapshots, shelved images): straight into the
  database in a cell that has the registry, up through nova-cells from a
  child cell.
"""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging
from oslo_utils import strutils

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.context import RequestContext
from nova.db.api import Database
from nova.image_service import ImageService

LOG = logging.getLogger(__name__)

DEFAULT_IMAGE_ID = '8b1c7e6e-2c65-4c59-9e3a-0b8fd6d6b0a1'
DEFAULT_IMAGES = [
    {'id': DEFAULT_IMAGE_ID, 'name': 'cirros-0.6.2-x86_64-disk',
     'status': 'active', 'is_public': True, 'size': 21430272,
     'min_ram': 0, 'min_disk': 0, 'container_format': 'bare',
     'disk_format': 'qcow2', 'properties': {}},
]

SYSMETA_PREFIX = 'image_'
# Image attributes (not properties) kept in system metadata too.
_SYSMETA_ATTRS = ('min_ram', 'min_disk', 'container_format', 'disk_format')
# System metadata values are limited to this many characters.
_MAX_SYSMETA_VALUE = 255


def ensure_default_images(db: Database) -> int:
    """Register the default images a new API cell is missing.

    Returns how many were created.
    """
    ctxt = nova_context.get_admin_context()
    created = 0
    for image in DEFAULT_IMAGES:
        try:
            db.image_get(ctxt, str(image['id']))
            continue
        except exception.ImageNotFound:
            db.image_create(ctxt, image)
            created += 1
    if created:
        LOG.info('Registered %d default image(s)', created)
    return created


# Nova's block device types and disk buses, the values a rescue image's
# ``hw_rescue_device`` and ``hw_rescue_bus`` may take.
RESCUE_DEVICES = ('cdrom', 'disk', 'floppy', 'fs', 'lun')
RESCUE_BUSES = ('fdc', 'ide', 'lxc', 'sata', 'scsi', 'uml', 'usb', 'virtio',
                'xen')


def rescue_device(image: objects.ImageMeta | None
                  ) -> tuple[str | None, str | None]:
    """``(hw_rescue_device, hw_rescue_bus)`` of a rescue image (None
    for each it does not name): with either, a *stable device rescue*,
    the rescue image attached beside the server's own disks, which keep
    their places.  A value Nova does not know is a 400."""
    props = (image.properties or {}) if image is not None else {}
    device = props.get('hw_rescue_device')
    bus = props.get('hw_rescue_bus')
    if device is not None and device not in RESCUE_DEVICES:
        raise exception.UnsupportedRescueDevice(device=device)
    if bus is not None and bus not in RESCUE_BUSES:
        raise exception.UnsupportedRescueBus(bus=bus)
    return device, bus


def image_spec(image: objects.ImageMeta) -> dict[str, Any]:
    """What the schedulers and compute hosts need of an image, as plain
    data for a request spec."""
    return {'id': image.id, 'name': image.name, 'status': image.status,
            'min_ram': image.min_ram, 'min_disk': image.min_disk,
            'container_format': image.container_format,
            'disk_format': image.disk_format,
            'properties': dict(image.properties)}


def system_metadata_from_image(image: objects.ImageMeta
                               ) -> dict[str, str]:
    """The ``image_*`` system metadata of an instance booted from
    ``image``."""
    sysmeta = {}
    for attr in _SYSMETA_ATTRS:
        value = getattr(image, attr)
        if value is not None:
            sysmeta[SYSMETA_PREFIX + attr] = str(value)
    sysmeta[SYSMETA_PREFIX + 'base_image_ref'] = image.id
    for key, value in image.properties.items():
        if value is not None:
            sysmeta[SYSMETA_PREFIX + key] = str(value)[:_MAX_SYSMETA_VALUE]
    return sysmeta


def replace_image_system_metadata(sysmeta: dict[str, str | None],
                                  image: objects.ImageMeta
                                  ) -> dict[str, str | None]:
    """``sysmeta`` with its ``image_*`` keys replaced by ``image``'s
    (a rebuild)."""
    kept = {k: v for k, v in sysmeta.items()
            if not k.startswith(SYSMETA_PREFIX)}
    kept.update(system_metadata_from_image(image))
    return kept


def auto_disk_config(image: objects.ImageMeta,
                     requested: bool | None) -> bool:
    """The disk config of a server booted or rebuilt from ``image``.

    ``requested`` (the user's OS-DCF:diskConfig) wins, except that AUTO
    is refused when the image's ``auto_disk_config`` property is
    ``disabled`` (AutoDiskConfigDisabledByImage); without a request, the
    property decides (MANUAL when absent).
    """
    prop = (image.properties or {}).get('auto_disk_config')
    if requested and prop is not None and prop.lower() == 'disabled':
        raise exception.AutoDiskConfigDisabledByImage(image=image.id)
    if requested is not None:
        return requested
    return strutils.bool_from_string(prop)


def image_spec_from_instance(instance: objects.Instance) -> dict[str, Any]:
    """An instance's image as a request spec holds it, rebuilt from its
    system metadata (the registry may be in another cell)."""
    sysmeta = instance.system_metadata or {}
    properties = {}
    attrs: dict[str, Any] = {}
    for key, value in sysmeta.items():
        if not key.startswith(SYSMETA_PREFIX):
            continue
        name = key[len(SYSMETA_PREFIX):]
        if name in _SYSMETA_ATTRS:
            attrs[name] = value
        elif name != 'base_image_ref':
            properties[name] = value
    return {'id': instance.image_ref, 'status': 'active',
            'min_ram': int(attrs.get('min_ram') or 0),
            'min_disk': int(attrs.get('min_disk') or 0),
            'container_format': attrs.get('container_format'),
            'disk_format': attrs.get('disk_format'),
            'properties': properties}


def snapshot_values(ctxt: RequestContext, instance: objects.Instance,
                    name: str, image_type: str,
                    extra_properties: dict[str, Any] | None,
                    non_inheritable: list[str]) -> dict[str, Any]:
    """Registry values of a new snapshot (or shelved) image of
    ``instance``: private, queued, inheriting its image's properties."""
    base = image_spec_from_instance(instance)
    properties = {k: v for k, v in base['properties'].items()
                  if k not in non_inheritable}
    properties.update({'instance_uuid': instance.uuid,
                       'user_id': str(ctxt.user_id),
                       'image_type': image_type,
                       'base_image_ref': instance.image_ref or ''})
    properties.update({k: str(v) for k, v in
                       (extra_properties or {}).items()})
    root_gb = instance.flavor.root_gb if instance.flavor else 0
    return {'name': name, 'status': 'queued', 'is_public': False,
            'owner': instance.project_id or ctxt.project_id,
            'min_ram': base['min_ram'],
            'min_disk': max(base['min_disk'], root_gb or 0),
            'container_format': base['container_format'] or 'bare',
            'disk_format': base['disk_format'] or 'qcow2',
            'properties': properties}


class ImageRegistryClient:
    """How a compute host updates the images it writes.

    ``cells_rpcapi`` is given in a child cell: the registry is at the top,
    and the change travels up.  Otherwise ``image_service`` (this cell's
    registry or Glance) holds the images.
    """

    def __init__(self, image_service: ImageService,
                 cells_rpcapi: Any = None) -> None:
        self.image_service = image_service
        self.cells_rpcapi = cells_rpcapi

    def update(self, ctxt: RequestContext, image_id: str,
               values: dict[str, Any]) -> None:
        if self.cells_rpcapi is not None:
            self.cells_rpcapi.image_update_at_top(ctxt, image_id, values)
            return
        try:
            self.image_service.update(ctxt.elevated(), image_id, values)
        except exception.ImageNotFound:
            LOG.warning('Image %s went away before its update', image_id)

    def delete(self, ctxt: RequestContext, image_id: str) -> None:
        if self.cells_rpcapi is not None:
            self.cells_rpcapi.image_delete_at_top(ctxt, image_id)
            return
        try:
            self.image_service.delete(ctxt.elevated(), image_id)
        except exception.ImageNotFound:
            pass
