"""Flavors (with extra specs) and key pairs: global data of the API cell."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import row_to_dict
from nova.db._common import soft_delete
from nova.db._common import table_of

_FLAVORS = table_of(models.Flavor)
_SPECS = table_of(models.FlavorExtraSpec)
_FLAVOR_BY_FLAVORID = sa.select(_FLAVORS).where(
    _FLAVORS.c.flavorid == sa.bindparam('flavorid')).limit(1)
_PROJECTS = table_of(models.FlavorProject)
# Whether a project may use a flavor: read on every boot with a private
# flavor.
_FLAVOR_ACCESS = sa.select(_PROJECTS.c.id).where(
    _PROJECTS.c.flavor_id == sa.bindparam('flavor_id'),
    _PROJECTS.c.project_id == sa.bindparam('project_id')).limit(1)
_SPECS_OF_FLAVOR = sa.select(_SPECS.c.key, _SPECS.c.value).where(
    _SPECS.c.flavor_id == sa.bindparam('flavor_id'))


class FlavorQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def _flavor_dicts(self, session: Any, rows: list[Any]
                      ) -> list[dict[str, Any]]:
        ids = [r.id for r in rows]
        specs: dict[int, dict[str, Any]] = {i: {} for i in ids}
        if ids:
            for spec in session.scalars(sa.select(models.FlavorExtraSpec)
                                        .where(models.FlavorExtraSpec
                                               .flavor_id.in_(ids))):
                specs[spec.flavor_id][spec.key] = spec.value
        result = []
        for row in rows:
            values = row_to_dict(row)
            values['extra_specs'] = specs[row.id]
            result.append(values)
        return result

    @_retry.retry_on_deadlock
    def flavor_create(self, context: RequestContext, values: dict[str, Any]
                      ) -> dict[str, Any]:
        values = dict(values)
        extra_specs = values.pop('extra_specs', None) or {}
        with self.writer() as session:
            if session.scalar(sa.select(models.Flavor.id).where(
                    models.Flavor.name == values['name'])) is not None:
                raise exception.FlavorExists(name=values['name'])
            if session.scalar(sa.select(models.Flavor.id).where(
                    models.Flavor.flavorid == values['flavorid'])
                    ) is not None:
                raise exception.FlavorIdExists(flavor_id=values['flavorid'])
            row = models.Flavor(**values)
            session.add(row)
            session.flush()
            for key, value in extra_specs.items():
                session.add(models.FlavorExtraSpec(flavor_id=row.id,
                                                   key=key, value=value))
            session.flush()
            return self._flavor_dicts(session, [row])[0]

    def flavor_get_by_flavor_id(self, context: RequestContext, flavorid: str
                                ) -> dict[str, Any]:
        # Read on every boot: plain statements built once.
        with self.reader() as session:
            conn = session.connection()
            row = conn.execute(_FLAVOR_BY_FLAVORID, {
                'flavorid': str(flavorid)}).mappings().first()
            if row is None:
                raise exception.FlavorNotFound(flavor_id=flavorid)
            return dict(row, extra_specs=dict(conn.execute(
                _SPECS_OF_FLAVOR, {'flavor_id': row['id']}).all()))

    def flavor_get_all(self, context: RequestContext,
                       is_public: bool | None = None) -> list[dict[str, Any]]:
        stmt = sa.select(models.Flavor).order_by(models.Flavor.memory_mb,
                                                 models.Flavor.flavorid)
        if is_public is not None:
            stmt = stmt.where(models.Flavor.is_public.is_(is_public))
        with self.reader() as session:
            return self._flavor_dicts(session, list(session.scalars(stmt)))

    @_retry.retry_on_deadlock
    def flavor_destroy(self, context: RequestContext, flavorid: str) -> None:
        with self.writer() as session:
            row = self._flavor_row(session, flavorid)
            session.execute(sa.delete(models.FlavorExtraSpec).where(
                models.FlavorExtraSpec.flavor_id == row.id))
            session.execute(sa.delete(models.FlavorProject).where(
                models.FlavorProject.flavor_id == row.id))
            session.delete(row)

    # -- flavor access --------------------------------------------------

    def flavor_access_allowed(self, context: RequestContext,
                              flavor_row_id: int, project_id: str | None
                              ) -> bool:
        """Whether ``project_id`` is in the access list of the flavor
        whose row id is ``flavor_row_id``."""
        with self.reader() as session:
            return session.connection().execute(_FLAVOR_ACCESS, {
                'flavor_id': flavor_row_id,
                'project_id': project_id}).first() is not None

    def flavor_access_get_by_flavor_id(self, context: RequestContext,
                                       flavorid: str) -> list[str]:
        """The projects given access to a flavor, sorted."""
        with self.reader() as session:
            row = self._flavor_row(session, flavorid)
            return sorted(session.scalars(
                sa.select(models.FlavorProject.project_id).where(
                    models.FlavorProject.flavor_id == row.id)))

    def flavor_access_get_by_project(self, context: RequestContext,
                                     project_id: str | None) -> list[str]:
        """The flavor ids ``project_id`` was given access to."""
        with self.reader() as session:
            return sorted(session.scalars(
                sa.select(models.Flavor.flavorid).join(
                    models.FlavorProject,
                    models.FlavorProject.flavor_id == models.Flavor.id).where(
                    models.FlavorProject.project_id == project_id)))

    @_retry.retry_on_deadlock
    def flavor_access_add(self, context: RequestContext, flavorid: str,
                          project_id: str) -> None:
        """Let ``project_id`` use the flavor (once; again: no change)."""
        with self.writer() as session:
            row = self._flavor_row(session, flavorid)
            if session.scalar(sa.select(models.FlavorProject.id).where(
                    models.FlavorProject.flavor_id == row.id,
                    models.FlavorProject.project_id == project_id)) is None:
                session.add(models.FlavorProject(flavor_id=row.id,
                                                 project_id=project_id))

    @_retry.retry_on_deadlock
    def flavor_access_remove(self, context: RequestContext, flavorid: str,
                             project_id: str) -> None:
        with self.writer() as session:
            row = self._flavor_row(session, flavorid)
            session.execute(sa.delete(models.FlavorProject).where(
                models.FlavorProject.flavor_id == row.id,
                models.FlavorProject.project_id == project_id))

    def _flavor_row(self, session: Any, flavorid: str) -> Any:
        row = session.scalars(sa.select(models.Flavor).where(
            models.Flavor.flavorid == str(flavorid))).first()
        if row is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        return row

    @_retry.retry_on_deadlock
    def flavor_extra_specs_update(self, context: RequestContext, flavorid: str,
                                  specs: dict[str, Any]) -> dict[str, Any]:
        """Create or change extra specs; returns all of the flavor's."""
        with self.writer() as session:
            row = self._flavor_row(session, flavorid)
            current = {s.key: s for s in session.scalars(
                sa.select(models.FlavorExtraSpec).where(
                    models.FlavorExtraSpec.flavor_id == row.id))}
            for key, value in specs.items():
                if key in current:
                    current[key].value = value
                else:
                    session.add(models.FlavorExtraSpec(
                        flavor_id=row.id, key=key, value=value))
            session.flush()
            return self._flavor_dicts(session, [row])[0]['extra_specs']

    @_retry.retry_on_deadlock
    def flavor_update_description(self, context: RequestContext,
                                  flavorid: str, description: str | None
                                  ) -> dict[str, Any]:
        """Change a flavor's description (the one field that may change);
        returns the flavor."""
        with self.writer() as session:
            row = self._flavor_row(session, flavorid)
            row.description = description
            session.flush()
            return self._flavor_dicts(session, [row])[0]

    @_retry.retry_on_deadlock
    def flavor_extra_spec_delete(self, context: RequestContext, flavorid: str,
                                 key: str) -> None:
        with self.writer() as session:
            row = self._flavor_row(session, flavorid)
            spec = session.scalars(sa.select(models.FlavorExtraSpec).where(
                models.FlavorExtraSpec.flavor_id == row.id,
                models.FlavorExtraSpec.key == key)).first()
            if spec is None:
                raise exception.FlavorExtraSpecsNotFound(
                    flavor_id=flavorid, extra_specs_key=key)
            session.delete(spec)

    # -- key pairs ------------------------------------------------------

    @_retry.retry_on_deadlock
    def key_pair_create(self, context: RequestContext, values: dict[str, Any]
                        ) -> dict[str, Any]:
        with self.writer() as session:
            clash = session.scalar(sa.select(models.KeyPair.id).where(
                models.KeyPair.user_id == values['user_id'],
                models.KeyPair.name == values['name'],
                models.KeyPair.deleted == 0))
            if clash is not None:
                raise exception.KeyPairExists(key_name=values['name'])
            row = models.KeyPair(**values)
            session.add(row)
            session.flush()
            return row_to_dict(row)

    def _key_pair_row(self, session: Any, user_id: str | None,
                      name: str) -> Any:
        row = session.scalars(sa.select(models.KeyPair).where(
            models.KeyPair.user_id == user_id, models.KeyPair.name == name,
            models.KeyPair.deleted == 0)).first()
        if row is None:
            raise exception.KeypairNotFound(user_id=user_id, name=name)
        return row

    def key_pair_get(self, context: RequestContext, user_id: str | None,
                     name: str) -> dict[str, Any]:
        with self.reader() as session:
            return row_to_dict(self._key_pair_row(session, user_id, name))

    def key_pair_get_all_by_user(self, context: RequestContext, user_id: str
                                 ) -> list[dict[str, Any]]:
        with self.reader() as session:
            stmt = (sa.select(models.KeyPair)
                    .where(models.KeyPair.user_id == user_id,
                           models.KeyPair.deleted == 0)
                    .order_by(models.KeyPair.name))
            return [row_to_dict(r) for r in session.scalars(stmt)]

    @_retry.retry_on_deadlock
    def key_pair_destroy(self, context: RequestContext, user_id: str, name: str
                         ) -> None:
        with self.writer() as session:
            soft_delete(self._key_pair_row(session, user_id, name))
