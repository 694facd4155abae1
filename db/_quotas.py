"""Quota limits of projects, and what their live instances use."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nova.db import models
from nova.db._common import QueryMixin


class QuotaQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def quota_get_all_by_project(self, context: Any,
                                 project_id: str) -> dict[str, int]:
        """The limits a project was given, by resource name."""
        stmt = sa.select(models.Quota).where(
            models.Quota.project_id == project_id)
        with self.reader() as session:
            return {row.resource: row.hard_limit
                    for row in session.scalars(stmt)}

    def quota_set(self, context: Any, project_id: str,
                  limits: dict[str, int]) -> None:
        """Create or change the limits of a project, all at once."""
        with self.writer() as session:
            current = {row.resource: row for row in session.scalars(
                sa.select(models.Quota).where(
                    models.Quota.project_id == project_id))}
            for resource, limit in limits.items():
                row = current.get(resource)
                if row is None:
                    session.add(models.Quota(project_id=project_id,
                                             resource=resource,
                                             hard_limit=limit))
                else:
                    row.hard_limit = limit

    def quota_destroy_all_by_project(self, context: Any,
                                     project_id: str) -> None:
        """Forget a project's limits: it goes back to the defaults."""
        with self.writer() as session:
            session.execute(sa.delete(models.Quota).where(
                models.Quota.project_id == project_id))

    def instance_usage_by_project(self, context: Any,
                                  project_id: str) -> dict[str, int]:
        """Instances, vCPUs and RAM (MB) of a project's live instances.

        Every instance that is not deleted counts, whatever its state: a
        failed build keeps its share until it is deleted.
        """
        Instance = models.Instance
        stmt = sa.select(
            sa.func.count(Instance.id),
            sa.func.coalesce(sa.func.sum(Instance.vcpus), 0),
            sa.func.coalesce(sa.func.sum(Instance.memory_mb), 0),
        ).where(Instance.project_id == project_id, Instance.deleted == 0)
        with self.reader() as session:
            count, cores, ram = session.execute(stmt).one()
        return {'instances': int(count or 0), 'cores': int(cores or 0),
                'ram': int(ram or 0)}
