"""Boots racing for the last units of a quota on MariaDB (the SQLite twin
is in ``tests/unit/compute/test_quotas.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nova import conf as nova_conf
from nova import context as nova_context
from nova.compute import quotas
from nova.db import api as db_api
from nova.tests.unit.api import fakes
from nova.tests.unit.compute.quota_race import run_posters

TINY = fakes.make_flavor('1', 'm1.tiny', 512, 1, 1)


@pytest.fixture
def engine(synced_url: str) -> Iterator[quotas.QuotaEngine]:
    conf = nova_conf.new_conf()
    conf([], project='nova', default_config_files=[])
    db = db_api.Database(synced_url, owns_instances=False)
    yield quotas.QuotaEngine(conf, db)
    db.dispose()
    conf.reset()


@pytest.mark.parametrize('posters,limit', [(6, 4), (12, 10), (8, 1)])
def test_concurrent_posters_create_exactly_what_fits(
        engine: quotas.QuotaEngine, posters: int, limit: int) -> None:
    ctxt = nova_context.get_admin_context()
    project = 'race-%d-%d' % (posters, limit)
    engine.update_limits(ctxt, project, {'instances': limit})
    created, refused = run_posters(engine, ctxt, posters, project, TINY)
    assert len(created) == min(posters, limit)
    assert engine.get_usage(ctxt, project)['instances'] == limit
    assert refused == [
        'Quota exceeded for instances: Requested 1, but already used '
        '%d of %d instances' % (limit, limit)] * (posters - limit)


