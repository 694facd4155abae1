"""Versioned notifications consumed from RabbitMQ, as billing and
telemetry tools consume them: each child cell notifies on its own virtual
host, and a consumer of one cell's queue hears only that cell."""

import pytest

from nova.tests.functional import notification_helpers as notes
from nova.tests.functional import server_helpers as helpers
from nova.tests.functional.server_helpers import admin
from nova.tools import inproc_tree


@pytest.fixture
def tree(tmp_path, rabbit_vhost_factory):
    overrides = {}
    for cell in ('cell1', 'cell2'):
        overrides[cell] = {
            ('driver', 'oslo_messaging_notifications'): ['messagingv2'],
            ('transport_url', 'oslo_messaging_notifications'):
                rabbit_vhost_factory('nova_notify'),
            ('notification_format', 'notifications'): 'versioned'}
    tree = helpers.start_tree(str(tmp_path), cells=inproc_tree.TWO_CHILDREN,
                              overrides=overrides)
    yield tree
    tree.stop()


def test_a_consumer_of_a_cells_queue_gets_its_servers_notifications(tree):
    # A pool gives the consumer a queue of its own, declared before the
    # first notification is sent (unrouted ones would be dropped).
    heard = {cell: notes.listen(tree.confs[cell], pool='billing')
             for cell in ('cell1', 'cell2')}
    try:
        servers, uuid = notes.boot_in(tree, 'cell1', 'billed')
        servers.api.delete(admin(), servers.top(uuid))
        cell1 = heard['cell1'][1]
        cell1.wait_for_event(uuid, 'instance.delete.end', timeout=30)
        assert cell1.event_types(uuid) == [
            'instance.create.start', 'instance.create.end',
            'instance.delete.start', 'instance.delete.end']
        for note in cell1.of(uuid):
            payload = notes.check_payload(note['payload'])
            assert payload.uuid == uuid
            assert note['publisher_id'].startswith('nova-compute:cell1-')
        assert heard['cell2'][1].of(uuid) == []
    finally:
        for listener, _ in heard.values():
            notes.stop(listener)
