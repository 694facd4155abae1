"""The ``/images`` controller: Nova 2.1's image proxy, over the API cell's
image registry.

Lists, shows and deletes the images the caller may see: public ones, their
project's, and every image for an administrator. Deleting needs the
image's project or an administrator: others get 403 for an image they can
see. Images come from ``createImage`` (snapshots) and from operators.
Filters are those Nova passed on to the image service: ``name``,
``status``, ``changes-since``, ``server``, ``type``, ``minRam``,
``minDisk``.
"""

from __future__ import annotations

from collections.abc import Callable
import datetime
from typing import Any

from oslo_utils import timeutils

from nova import context as nova_context
from nova import exception
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import images as schemas
from nova.api.views import images as views

Image = dict[str, Any]
_NOT_FOUND = 'Image not found.'


def visible(context: nova_context.RequestContext, image: Image) -> bool:
    """Whether the caller may see ``image``."""
    return bool(context.is_admin or image.get('is_public')
                or image.get('owner') == context.project_id)


def get_visible(compute_api: Any, context: nova_context.RequestContext,
                image_id: str) -> Image:
    """The image ``image_id`` if the caller may see it, else 404."""
    try:
        image = compute_api.image_get(context, image_id)
    except exception.ImageNotFound:
        image = None
    if image is None or not visible(context, image):
        raise errors.ItemNotFound(reason=_NOT_FOUND)
    return image


def _properties(image: Image) -> dict[str, Any]:
    return image.get('properties') or {}


def _utc(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """A naive UTC time, whichever form the registry stored."""
    if value is None:
        return None
    if isinstance(value, str):
        value = timeutils.parse_isotime(value)
    return timeutils.normalize_time(value)


def _changed_since(value: str) -> Callable[[Image], bool]:
    try:
        since = _utc(value)
    except ValueError:
        raise errors.BadRequest(
            reason='Invalid filter field: changes-since.') from None

    def _match(image: Image) -> bool:
        updated = _utc(image.get('updated_at'))
        return updated is not None and since is not None and \
            updated >= since
    return _match


def _matcher(name: str, value: str) -> Callable[[Image], bool]:
    """The test an image passes to match the filter ``name=value``."""
    if name == 'name':
        return lambda image: image.get('name') == value
    if name == 'status':
        return lambda image: image.get('status') == value.lower()
    if name == 'server':
        server = common.id_from_href(value)
        return lambda image: \
            _properties(image).get('instance_uuid') == server
    if name == 'type':
        return lambda image: _properties(image).get('image_type') == value
    if name in ('minRam', 'minDisk'):
        key = 'min_ram' if name == 'minRam' else 'min_disk'
        return lambda image: int(image.get(key) or 0) >= int(value)
    return _changed_since(value)


_FILTERS = ('name', 'status', 'changes-since', 'server', 'type', 'minRam',
            'minDisk')


class ImagesController:
    """Actions on ``/images``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.max_limit = deps.conf.api.max_limit

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        images = self._list(req)
        return self._collection(req, 'images',
                                [views.basic(req, i) for i in images],
                                images)

    def detail(self, req: wsgi.ApiRequest) -> wsgi.Result:
        images = self._list(req)
        return self._collection(req, 'images/detail',
                                [views.detail(req, i) for i in images],
                                images)

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        return wsgi.Result({'image': views.detail(req,
                                                  self._get(req, id))})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        """Delete an image of the caller's project: 204."""
        context = req.context
        image = self._get(req, id)
        if not context.is_admin and image.get('owner') != context.project_id:
            raise exception.Forbidden(
                'You are not allowed to delete the image.')
        try:
            self.compute_api.image_delete(context, id)
        except exception.ImageNotFound:
            raise errors.ItemNotFound(reason=_NOT_FOUND) from None
        return wsgi.Result(status=204)

    def _get(self, req: wsgi.ApiRequest, image_id: str) -> Image:
        return get_visible(self.compute_api, req.context, image_id)

    def _list(self, req: wsgi.ApiRequest) -> list[Image]:
        validation.validate_query(schemas.index_query,
                                  req.GET.dict_of_lists())
        matchers = [_matcher(name, req.GET[name]) for name in _FILTERS
                    if name in req.GET]
        images = [image for image in self.compute_api.image_get_all(
                      req.context)
                  if visible(req.context, image)
                  and all(match(image) for match in matchers)]
        # Newest first, as the image service lists them.
        images.sort(key=lambda i: _utc(i.get('created_at'))
                    or datetime.datetime.min, reverse=True)
        limit, marker = common.limit_and_marker(req, self.max_limit)
        if marker is not None:
            ids = [image['id'] for image in images]
            if marker not in ids:
                raise errors.BadRequest(
                    reason=f'marker [{marker}] not found')
            images = images[ids.index(marker) + 1:]
        return images[:limit]

    def _collection(self, req: wsgi.ApiRequest, collection: str,
                    body: list[dict[str, Any]],
                    images: list[Image]) -> wsgi.Result:
        result: dict[str, Any] = {'images': body}
        links = common.collection_links(
            req, collection, [image['id'] for image in images],
            self.max_limit)
        if links:
            result['images_links'] = links
        return wsgi.Result(result)
