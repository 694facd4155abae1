"""Bandwidth usage per instance interface and audit period."""

from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import row_to_dict


class BandwidthQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    @_retry.retry_on_deadlock
    def bw_usage_update(self, context: RequestContext, uuid: str, mac: str,
                        start_period: datetime.datetime, bw_in: int,
                        bw_out: int, last_ctr_in: int, last_ctr_out: int,
                        last_refreshed: datetime.datetime | None = None,
                        newer_only: bool = False) -> dict[str, Any] | None:
        """Record the traffic of one interface for one period (upsert).

        With ``newer_only`` (the copy at the top, fed by messages that may
        arrive out of order), a reading older than the stored one is
        dropped and None returned.
        """
        BW = models.BandwidthUsage
        with self.writer() as session:
            row = session.scalars(sa.select(BW).where(
                BW.uuid == uuid, BW.mac == mac,
                BW.start_period == start_period).with_for_update()).first()
            if row is None:
                row = BW(uuid=uuid, mac=mac, start_period=start_period)
                session.add(row)
            elif (newer_only and last_refreshed is not None
                  and row.last_refreshed is not None
                  and last_refreshed < row.last_refreshed):
                return None
            row.bw_in, row.bw_out = bw_in, bw_out
            row.last_ctr_in, row.last_ctr_out = last_ctr_in, last_ctr_out
            row.last_refreshed = last_refreshed
            session.flush()
            result = row_to_dict(row)
        self._notify(context, 'bw_usage.update', result)
        return result

    def bw_usage_get_by_uuids(self, context: RequestContext, uuids: list[str],
                              start_period: datetime.datetime
                              ) -> list[dict[str, Any]]:
        BW = models.BandwidthUsage
        with self.reader() as session:
            stmt = sa.select(BW).where(BW.uuid.in_(uuids),
                                       BW.start_period == start_period)
            return [row_to_dict(r) for r in session.scalars(stmt)]
