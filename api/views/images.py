"""How an image looks in the ``/images`` proxy (microversion 2.1).

Images are dicts from the compute API's image registry. Nova also linked
each image to the image service (``rel: alternate``); this cloud's images
live in the API cell's registry, which has no API of its own, so that link
is left out.
"""

from __future__ import annotations

import datetime
from typing import Any

from oslo_utils import strutils
from oslo_utils import timeutils

from nova.api import common
from nova.api import wsgi

COLLECTION = 'images'

# Registry status -> API status, and the progress it stands for.
_STATUS = {'active': 'ACTIVE', 'queued': 'SAVING', 'saving': 'SAVING',
           'deleted': 'DELETED', 'pending_delete': 'DELETED',
           'killed': 'ERROR'}
_PROGRESS = {'queued': 25, 'saving': 50, 'active': 100}


def status(image: dict[str, Any]) -> str:
    return _STATUS.get(image.get('status') or '', 'UNKNOWN')


def _time(value: datetime.datetime | str | None) -> str | None:
    if isinstance(value, str):
        value = timeutils.parse_isotime(value)
    return common.isotime(value)


def basic(req: wsgi.ApiRequest, image: dict[str, Any]) -> dict[str, Any]:
    """The entry of an image in ``GET /images``."""
    return {'id': image['id'], 'name': image.get('name'),
            'links': common.links(req, COLLECTION, image['id'])}


def detail(req: wsgi.ApiRequest, image: dict[str, Any]) -> dict[str, Any]:
    """The full view of an image."""
    properties = dict(image.get('properties') or {})
    view: dict[str, Any] = {
        'id': image['id'],
        'name': image.get('name'),
        'minRam': int(image.get('min_ram') or 0),
        'minDisk': int(image.get('min_disk') or 0),
        'metadata': properties,
        'created': _time(image.get('created_at')),
        'updated': _time(image.get('updated_at')),
        'status': status(image),
        'progress': _PROGRESS.get(image.get('status') or '', 0),
        'OS-EXT-IMG-SIZE:size': image.get('size'),
        'links': common.links(req, COLLECTION, image['id']),
    }
    instance_uuid = properties.get('instance_uuid')
    if instance_uuid is not None:
        view['server'] = {'id': instance_uuid,
                          'links': common.links(req, 'servers',
                                                instance_uuid)}
    auto_disk_config = properties.get('auto_disk_config')
    if auto_disk_config is not None:
        view['OS-DCF:diskConfig'] = (
            'AUTO' if strutils.bool_from_string(auto_disk_config)
            else 'MANUAL')
    return view
