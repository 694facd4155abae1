"""``/images/{image_id}/metadata``: Nova's image metadata proxy, 2.1 to
2.38 (404 from 2.39, as in Nova).

An image's metadata is its custom properties, kept by the image service
(the API cell's registry, or Glance).  Bodies and semantics are those of
server metadata (the same schemas): ``POST`` merges, ``PUT`` on the
collection replaces all, ``PUT`` on an item sets one key (its body
naming exactly that key, else 400), ``DELETE`` removes one (404 for a
key the image lacks).  Changes need the image's project or an
administrator (403 otherwise) and stay within the project's
``metadata_items`` quota (``maxImageMeta``; 403 beyond it).  An image
the caller may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import images
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import server_metadata as schemas


class ImageMetadataController:
    """Actions on ``/images/{image_id}/metadata``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api

    def _properties(self, req: wsgi.ApiRequest,
                    image_id: str) -> dict[str, Any]:
        image = images.get_visible(self.compute_api, req.context, image_id)
        return dict(image.get('properties') or {})

    def _save(self, req: wsgi.ApiRequest, image_id: str,
              properties: dict[str, Any]) -> dict[str, Any]:
        try:
            image = self.compute_api.image_set_properties(
                req.context, image_id, properties)
        except exception.ImageNotFound:
            raise errors.ItemNotFound(reason='Image not found.') from None
        except exception.QuotaError:
            raise exception.Forbidden(
                'Image metadata limit exceeded') from None
        return dict(image.get('properties') or {})

    def index(self, req: wsgi.ApiRequest, image_id: str) -> wsgi.Result:
        return wsgi.Result({'metadata': self._properties(req, image_id)})

    def show(self, req: wsgi.ApiRequest, image_id: str,
             id: str) -> wsgi.Result:
        properties = self._properties(req, image_id)
        if id not in properties:
            raise errors.ItemNotFound(reason='Image metadata item not '
                                             'found.')
        return wsgi.Result({'meta': {id: properties[id]}})

    def create(self, req: wsgi.ApiRequest, image_id: str,
               body: Any) -> wsgi.Result:
        """``POST``: merge; 200 with all the image's metadata."""
        validation.validate_body(schemas.create, body)
        properties = self._properties(req, image_id)
        properties.update(body['metadata'])
        return wsgi.Result({'metadata': self._save(req, image_id,
                                                   properties)})

    def update_all(self, req: wsgi.ApiRequest, image_id: str,
                   body: Any) -> wsgi.Result:
        """``PUT`` on the collection: replace everything."""
        validation.validate_body(schemas.update_all, body)
        self._properties(req, image_id)
        self._save(req, image_id, dict(body['metadata']))
        return wsgi.Result({'metadata': body['metadata']})

    def update(self, req: wsgi.ApiRequest, image_id: str, id: str,
               body: Any) -> wsgi.Result:
        """``PUT`` on an item: set that one key."""
        validation.validate_body(schemas.update, body)
        item = body['meta']
        if id not in item:
            raise errors.BadRequest(reason='Request body and URI mismatch')
        properties = self._properties(req, image_id)
        properties[id] = item[id]
        self._save(req, image_id, properties)
        return wsgi.Result({'meta': item})

    def delete(self, req: wsgi.ApiRequest, image_id: str,
               id: str) -> wsgi.Result:
        properties = self._properties(req, image_id)
        if id not in properties:
            raise errors.ItemNotFound(reason='Invalid metadata key')
        del properties[id]
        self._save(req, image_id, properties)
        return wsgi.Result(status=204)
