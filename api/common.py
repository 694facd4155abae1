"""Small helpers the controllers and views share: time formats, hrefs,
booleans and pagination parameters."""

from __future__ import annotations

import datetime
import ipaddress
from typing import Any
from urllib.parse import urlencode

from oslo_utils import strutils

from nova import exception
from nova.api import errors
from nova.api import wsgi

# A timestamp as a datetime, or as the ISO 8601 text a listing reads
# from the database ('2024-01-31T12:00:00.000000', naive, UTC).
Timestamp = datetime.datetime | str | None


def isotime(value: Timestamp) -> str | None:
    """``2024-01-31T12:00:00Z``: how Nova renders most timestamps."""
    if value is None:
        return None
    if isinstance(value, str):
        return value[:19] + 'Z'
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    # isoformat is several times cheaper than strftime, and a listing
    # formats thousands of these.
    return value.isoformat(timespec='seconds') + 'Z'


def naive_isotime(value: Timestamp) -> str | None:
    """``2024-01-31T12:00:00.000000``: how Nova renders usage times.

    Nova historically serialized these naive datetimes as is, without a
    zone designator; clients parse the two formats differently.
    """
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat(timespec='microseconds')


def id_from_href(href: str | int) -> str:
    """The ID at the end of a link, or the value itself if it is an ID."""
    text = str(href).strip()
    return text.split('?')[0].rstrip('/').rsplit('/', 1)[-1]


def parse_bool(value: Any, name: str) -> bool:
    """A query-string boolean; an empty value means yes."""
    if isinstance(value, bool):
        return value
    if value == '':
        return True
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise errors.BadRequest(
            reason=f'Invalid {name} value: {value}') from None


def limit_and_marker(req: wsgi.ApiRequest, max_limit: int
                     ) -> tuple[int, str | None]:
    """The page size (capped by ``[api] max_limit``) and the marker.

    The query schema has already checked that ``limit`` is a non-negative
    integer.
    """
    limit = max_limit
    if 'limit' in req.GET:
        limit = min(int(req.GET['limit']), max_limit)
    return limit, req.GET.get('marker')


def offset_limited(req: wsgi.ApiRequest, items: list[Any],
                   max_limit: int) -> list[Any]:
    """Nova's offset/limit paging of small collections (``?offset=``,
    ``?limit=``, at most ``max_limit``)."""
    try:
        offset = int(req.GET.get('offset', 0))
        limit = int(req.GET.get('limit', max_limit))
    except ValueError:
        raise errors.BadRequest(
            reason='limit and offset must be integers') from None
    if offset < 0 or limit < 0:
        raise errors.BadRequest(
            reason='limit and offset must be 0 or greater')
    return items[offset:offset + min(limit, max_limit)]


def page_after(req: wsgi.ApiRequest, items: list[Any], key: Any,
               missing: str) -> list[Any]:
    """The items after ``?marker=`` (matched by ``key(item)``), at most
    ``?limit=`` of them: a listing paged in the API rather than the
    database.  An unknown marker is a 400 worded ``missing`` (with
    ``{marker}``)."""
    marker = req.GET.get('marker')
    if marker is not None:
        ids = [str(key(item)) for item in items]
        if marker not in ids:
            raise errors.BadRequest(reason=missing.format(marker=marker))
        items = items[ids.index(marker) + 1:]
    if 'limit' in req.GET:
        items = items[:int(req.GET['limit'])]
    return items


def next_link(req: wsgi.ApiRequest, collection: str, marker: str) -> str:
    """The link to the page after the one ending with ``marker``."""
    params = sorted((k, v) for k, v in req.GET.items() if k != 'marker')
    params.append(('marker', marker))
    params.sort()
    return f'{req.prefix_url()}/{collection}?{urlencode(params)}'


def collection_links(req: wsgi.ApiRequest, collection: str,
                     ids: list[str], max_limit: int) -> list[dict[str, str]]:
    """A ``next`` link when the page is full, as Nova pages."""
    page_size = max_limit
    if 'limit' in req.GET:
        page_size = min(int(req.GET['limit']), max_limit)
    if not page_size or len(ids) != page_size:
        return []
    return [{'rel': 'next', 'href': next_link(req, collection, ids[-1])}]


class Links:
    """The links of one collection's resources in one request, their
    prefixes worked out once (a listing links every entry)."""

    def __init__(self, req: wsgi.ApiRequest, collection: str) -> None:
        self._self = f'{req.prefix_url()}/{collection}/'
        self._bookmark = (f'{req.prefix_url(strip_version=True)}/'
                          f'{collection}/')

    def of(self, identifier: str) -> list[dict[str, str]]:
        """The ``self`` and ``bookmark`` links of a resource."""
        return [{'rel': 'self', 'href': f'{self._self}{identifier}'},
                {'rel': 'bookmark', 'href': self.bookmark(identifier)}]

    def bookmark(self, identifier: str) -> str:
        """A version-independent link to a resource."""
        return f'{self._bookmark}{identifier}'


def links(req: wsgi.ApiRequest, collection: str,
          identifier: str) -> list[dict[str, str]]:
    """The ``self`` and ``bookmark`` links of a resource."""
    return Links(req, collection).of(identifier)


def bookmark(req: wsgi.ApiRequest, collection: str, identifier: str) -> str:
    """A version-independent link to a resource."""
    return Links(req, collection).bookmark(identifier)


class ComputePart:
    """A part of the compute API that not every deployment has (the host
    API, quotas): a controller's attribute that answers 501 when the
    compute API in use lacks it.

    ``host_api = common.ComputePart('host_api')`` in a controller whose
    instances have a ``compute_api``.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, controller: Any, owner: Any = None) -> Any:
        if controller is None:
            return self
        part = getattr(controller.compute_api, self.name, None)
        if part is None:
            raise exception.NotSupported(
                reason='The requested functionality is not supported.')
        return part


def compressed_ipv6(value: str | None) -> str | None:
    """An IPv6 address (valid per the schema) in its short form, as Nova
    stores and shows it: ``0000:...:babe:220.12.22.2`` is
    ``::babe:dc0c:1602`` (and fits the 39 characters of the column)."""
    if not value:
        return value
    return str(ipaddress.IPv6Address(value))


def action_name(body: Any, known: Any) -> str:
    """The one action a ``POST .../action`` body names, which must be
    one of ``known``; a 400 otherwise, as Nova answers."""
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest(
            reason='Malformed message body: one action expected')
    name = next(iter(body))
    if name not in known:
        raise errors.BadRequest(reason=f'There is no such action: {name}')
    return str(name)
