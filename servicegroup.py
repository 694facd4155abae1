"""Whether a service is alive, judged from its heartbeat row.

Every service writes ``last_seen_up`` every ``report_interval`` seconds; it
counts as up while that is less than ``service_down_time`` seconds old and
it is not forced down.
"""

from __future__ import annotations

import datetime
from typing import Any

from oslo_utils import timeutils


def service_is_up(service: dict[str, Any], down_time: int,
                  now: datetime.datetime | None = None) -> bool:
    if service.get('forced_down'):
        return False
    last = service.get('last_seen_up') or service.get('updated_at') \
        or service.get('created_at')
    if last is None:
        return False
    now = now or timeutils.utcnow().replace(tzinfo=None)
    return abs((now - last).total_seconds()) <= down_time
