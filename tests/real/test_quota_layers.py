"""Quota classes, per-user quotas and soft-deleted servers on MariaDB
(the SQLite twin is ``tests/unit/compute/test_quota_layers.py``)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator

import pytest

from nova import conf as nova_conf
from nova import context as nova_context
from nova import exception
from nova.compute import quotas
from nova.db import api as db_api
from nova.db import migration
from nova.tests.unit.api import fakes
from nova.tests.unit.compute.quota_race import values_for

TINY = fakes.make_flavor('1', 'm1.tiny', 512, 1, 1)
CTXT = nova_context.get_admin_context()


@pytest.fixture
def engine(mariadb_url_factory: Callable[..., str]
           ) -> Iterator[quotas.QuotaEngine]:
    url = mariadb_url_factory('softdel_quota')
    migration.db_sync(url)
    conf = nova_conf.new_conf()
    conf([], project='nova', default_config_files=[])
    db = db_api.Database(url, owns_instances=False)
    yield quotas.QuotaEngine(conf, db)
    db.dispose()
    conf.reset()


def _boot(engine: quotas.QuotaEngine, project: str, user: str,
          vm_state: str = 'active') -> list[dict]:
    values = values_for(project, TINY)

    def with_user(index: int, count: int) -> dict:
        return dict(values(index, count), user_id=user, vm_state=vm_state)
    return engine.create_boot(CTXT, project, TINY, 1, 1, with_user,
                              user_id=user)


def test_layers_and_soft_deleted_servers(engine: quotas.QuotaEngine
                                         ) -> None:
    engine.update_class(CTXT, 'default', {'instances': 4})
    assert engine.get_limits(CTXT, 'p1')['instances'] == 4
    engine.update_limits(CTXT, 'p1', {'instances': 2}, user_id='u1')
    engine.update_limits(CTXT, 'p1', {'instances': 1}, user_id='u2')
    with pytest.raises(exception.QuotaValueTooHigh):
        engine.update_limits(CTXT, 'p1', {'instances': 2}, user_id='u3')
    with pytest.raises(exception.InvalidQuotaValue):
        engine.update_limits(CTXT, 'p1', {'instances': 2})
    _boot(engine, 'p1', 'u1')
    # A soft-deleted server counts for no quota.
    _boot(engine, 'p1', 'u1', vm_state='soft-delete')
    _boot(engine, 'p1', 'u1')
    with pytest.raises(exception.TooManyInstances):
        _boot(engine, 'p1', 'u1')
    assert engine.get_usage(CTXT, 'p1')['instances'] == 2
    assert engine.get_detail(CTXT, 'p1', 'u1')['instances'] == {
        'limit': 2, 'in_use': 2, 'reserved': 0}
    _boot(engine, 'p1', 'u2')
    engine.reset(CTXT, 'p1')
    assert engine.get_limits(CTXT, 'p1', 'u2')['instances'] == 4
