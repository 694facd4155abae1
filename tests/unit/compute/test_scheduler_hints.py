"""Scheduler hints kept with an instance (microversion 2.100): a build
sent again after its request was lost carries them."""

from __future__ import annotations

from nova import context as nova_context
from nova import objects
from nova.compute import api as compute_api
from nova.tests.unit.api import fakes


def _instance(**values):
    return objects.Instance.from_db(dict({
        'uuid': '00000000-0000-4000-8000-0000000000f1',
        'image_ref': fakes.IMAGE, 'availability_zone': None,
        'system_metadata': {}, 'flavor': fakes.make_flavor(
            '1', 'm1.tiny', 512, 1, 1)}, **values))


def test_a_resent_build_carries_the_hints(conf, db, transport):
    api = compute_api.API(conf, db, transport)
    hinted = _instance(scheduler_hints='{"target_cell": "api!cell2"}')
    request = api.build_request(nova_context.get_admin_context(), hinted)
    assert request['filter_properties']['scheduler_hints'] == {
        'target_cell': 'api!cell2'}


def test_without_hints_none_are_sent():
    for instance in (_instance(), _instance(scheduler_hints=None)):
        assert compute_api.scheduler_hints_of(instance) == {}
