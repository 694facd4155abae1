"""Compute API microversions: the supported range and header negotiation.

``_HISTORY`` is the one list to extend when a microversion is added: the
minimum and maximum the API advertises (in the version documents and in
negotiation) are its first and last entries.

A client asks for a microversion with ``OpenStack-API-Version: compute X.Y``
or the legacy ``X-OpenStack-Nova-API-Version: X.Y``; the newer header wins
when both are present. No header means the minimum, ``latest`` means the
maximum. The negotiated version is echoed on every response of the versioned
API together with ``Vary`` so caches keep responses apart.
"""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import NamedTuple

from nova.api import errors

SERVICE_TYPE = 'compute'
HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
ENVIRON_KEY = 'nova.api_version'

# Each microversion with what it changed; append to add one.
_HISTORY: tuple[tuple[str, str], ...] = (
    ('2.1', 'Initial version: the v2 API with strict input validation.'),
)

_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class APIVersion(NamedTuple):
    """A microversion, ordered numerically (2.10 > 2.9)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        match = _VERSION_RE.match(text.strip())
        if not match:
            raise errors.InvalidAPIVersionString(version=text)
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f'{self.major}.{self.minor}'


MIN_VERSION = APIVersion.parse(_HISTORY[0][0])
MAX_VERSION = APIVersion.parse(_HISTORY[-1][0])


def _requested(headers: Mapping[str, str]) -> str | None:
    """The version string the client asked for, or None."""
    value = headers.get(HEADER)
    if value:
        # The header may name several services: "compute 2.1, image 2.5".
        for item in value.split(','):
            service, _sep, version = item.strip().partition(' ')
            if service.lower() == SERVICE_TYPE:
                return version.strip()
    legacy = headers.get(LEGACY_HEADER)
    return legacy.strip() if legacy else None


def negotiate(headers: Mapping[str, str]) -> APIVersion:
    """The microversion a request asks for, checked against the range.

    Raises :class:`errors.InvalidAPIVersionString` (400) for a malformed
    version and :class:`errors.UnsupportedAPIVersion` (406) for one outside
    the supported range.
    """
    text = _requested(headers)
    if text is None:
        return MIN_VERSION
    if text.lower() == 'latest':
        return MAX_VERSION
    version = APIVersion.parse(text)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise errors.UnsupportedAPIVersion(
            req_ver=str(version), min_ver=str(MIN_VERSION),
            max_ver=str(MAX_VERSION))
    return version


def response_headers(version: APIVersion) -> list[tuple[str, str]]:
    """Headers that echo the negotiated version on a response."""
    return [
        (HEADER, f'{SERVICE_TYPE} {version}'),
        (LEGACY_HEADER, str(version)),
        ('Vary', HEADER),
        ('Vary', LEGACY_HEADER),
    ]
