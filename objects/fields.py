"""Field types of our own."""

from __future__ import annotations

import datetime
from typing import Any

from oslo_utils import timeutils
from oslo_versionedobjects import fields


class _PreciseDateTime(fields.DateTime):
    """oslo.versionedobjects' DateTime drops microseconds on the wire;
    an instance's copy at the top must equal the owner's to the
    microsecond, so this one keeps them."""

    def to_primitive(self, obj: Any, attr: str, value: Any) -> str:
        return value.astimezone(datetime.UTC).strftime(
            '%Y-%m-%dT%H:%M:%S.%fZ')

    def from_primitive(self, obj: Any, attr: str,
                       value: Any) -> datetime.datetime:
        return self.coerce(obj, attr, timeutils.parse_isotime(value))


class DateTimeField(fields.AutoTypedField):
    AUTO_TYPE = _PreciseDateTime()
