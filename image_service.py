"""Where images live: the API cell's own registry, or Glance.

:class:`ImageService` is what the compute API and nova-cells ask about
images (get, list, create, update, delete, set its properties), each
image a plain dict in the registry's shape (``id``, ``name``,
``status``, ``is_public``, ``owner``, ``size``, ``min_ram``,
``min_disk``, ``container_format``, ``disk_format``, ``properties``,
``created_at``, ``updated_at``).
:class:`RegistryImages` keeps them in the API cell's database (the
embedded default); :class:`nova.glance.GlanceImages` in Glance.
:func:`from_conf` picks one from ``[glance]``.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
import threading
import time
from typing import Any
from typing import Protocol

from oslo_config import cfg

from nova.context import RequestContext
from nova.db.api import Database

Image = dict[str, Any]


class ImageService(Protocol):
    """The images the API cell serves and boots from."""

    #: Whether images live in this cell's database (default images are
    #: registered there at start).
    in_database: bool

    def get(self, ctxt: RequestContext, image_id: str) -> Image:
        """One image the caller may see; :class:`ImageNotFound` else."""
        ...

    def get_all(self, ctxt: RequestContext) -> list[Image]:
        """The images the caller may see."""
        ...

    def create(self, ctxt: RequestContext, values: Image) -> Image:
        """A new image record (``values['id']`` is its uuid)."""
        ...

    def update(self, ctxt: RequestContext, image_id: str,
               values: Image) -> None:
        """Move an image forward (``status`` ``saving`` then ``active``,
        with its ``size``); a late, earlier status changes nothing."""
        ...

    def delete(self, ctxt: RequestContext, image_id: str) -> None:
        """Remove an image; :class:`ImageNotFound` if there is none."""
        ...

    def set_properties(self, ctxt: RequestContext, image_id: str,
                       properties: dict[str, str]) -> Image:
        """Make ``properties`` all of an image's custom properties (those
        not named are removed); the image afterwards."""
        ...


class RegistryImages:
    """Images in the API cell's ``images`` table."""

    in_database = True

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, ctxt: RequestContext, image_id: str) -> Image:
        return self.db.image_get(ctxt, image_id)

    def get_all(self, ctxt: RequestContext) -> list[Image]:
        return self.db.image_get_all(ctxt)

    def create(self, ctxt: RequestContext, values: Image) -> Image:
        return self.db.image_create(ctxt, values)

    def update(self, ctxt: RequestContext, image_id: str,
               values: Image) -> None:
        self.db.image_update(ctxt, image_id, values, forward_only=True)

    def delete(self, ctxt: RequestContext, image_id: str) -> None:
        self.db.image_destroy(ctxt, image_id)

    def set_properties(self, ctxt: RequestContext, image_id: str,
                       properties: dict[str, str]) -> Image:
        return self.db.image_update(ctxt, image_id,
                                    {'properties': dict(properties)})


def uses_glance(conf: cfg.ConfigOpts) -> bool:
    """Whether ``[glance]`` names an image service."""
    return bool(conf.glance.api_servers or conf.glance.auth_url)


def from_conf(conf: cfg.ConfigOpts, db: Database) -> ImageService:
    """Glance when ``[glance]`` names one, else the registry in ``db``."""
    if not uses_glance(conf):
        return RegistryImages(db)
    from nova import glance
    return glance.GlanceImages(glance.GlanceClient.from_conf(conf))


class BootImages:
    """Active images kept for ``ttl`` seconds to check boots with.

    Keyed by image id and the caller's project (and whether it is an
    administrator), since what a caller may see depends on both.  Only
    an image that was active when read is kept: a refusal (not found,
    not active yet) is never reused.  :meth:`forget` drops an image at
    once (deleted or changed through this process); an image deleted or
    deactivated elsewhere is seen at most ``ttl`` seconds late.
    """

    MAX_ENTRIES = 1024

    def __init__(self, images: ImageService, ttl: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.images = images
        self.ttl = ttl
        self.clock = clock
        self._kept: dict[tuple[str, str | None, bool],
                         tuple[float, Image]] = {}
        self._lock = threading.Lock()

    def get(self, ctxt: RequestContext, image_id: str) -> Image:
        """The image as :meth:`ImageService.get` gives it, read again
        when the kept copy is older than ``ttl``."""
        if self.ttl <= 0:
            return self.images.get(ctxt, image_id)
        key = (image_id, ctxt.project_id, bool(ctxt.is_admin))
        now = self.clock()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.ttl:
            return copy.deepcopy(kept[1])
        image = self.images.get(ctxt, image_id)
        if image.get('status') == 'active':
            with self._lock:
                if len(self._kept) >= self.MAX_ENTRIES:
                    self._drop_expired(now)
                self._kept[key] = (now, copy.deepcopy(image))
        return image

    def forget(self, image_id: str) -> None:
        with self._lock:
            for key in [k for k in self._kept if k[0] == image_id]:
                del self._kept[key]

    def _drop_expired(self, now: float) -> None:
        for key in [k for k, (at, _) in self._kept.items()
                    if now - at >= self.ttl]:
            del self._kept[key]
        if len(self._kept) >= self.MAX_ENTRIES:
            self._kept.clear()
