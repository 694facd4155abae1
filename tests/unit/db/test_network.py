"""Networks and fixed IPs of one cell (what ``nova-manage network
create`` and nova-network use)."""

import pytest

from nova import context as nova_context
from nova import exception
from nova.tests.unit.db import statements

CTXT = nova_context.get_admin_context()


def test_network_create_reserves_the_gateway(db):
    net = db.network_create(CTXT, 'private', '10.1.0.0/29')
    assert (net['label'], net['cidr'], net['gateway']) == (
        'private', '10.1.0.0/29', '10.1.0.1')
    first = db.fixed_ip_allocate(CTXT, 'uuid-1')[1]
    assert first == '10.1.0.2'
    # Asking again for the same instance gives the same address.
    assert db.fixed_ip_allocate(CTXT, 'uuid-1')[1] == first
    taken = [db.fixed_ip_allocate(CTXT, 'uuid-%d' % n)[1]
             for n in range(2, 6)]
    assert taken == ['10.1.0.%d' % n for n in range(3, 7)]
    with pytest.raises(exception.NoValidHost):
        db.fixed_ip_allocate(CTXT, 'uuid-6')[1]
    assert db.fixed_ip_disassociate_all(CTXT, 'uuid-1') == [first]
    assert db.fixed_ip_allocate(CTXT, 'uuid-6')[1] == first


def test_network_create_refuses_tiny_and_overlapping_networks(db):
    with pytest.raises(exception.InvalidInput):
        db.network_create(CTXT, 'tiny', '10.2.0.0/32')
    db.network_create(CTXT, 'a', '10.3.0.0/24')
    with pytest.raises(exception.CidrConflict):
        db.network_create(CTXT, 'b', '10.3.0.128/25')
    db.network_create(CTXT, 'c', '10.4.0.0/24')
    assert [n['label'] for n in db.network_get_all(CTXT)] == ['a', 'c']


def test_an_allocation_takes_the_first_networks_lowest_free_address(db):
    with pytest.raises(exception.NoValidHost):
        db.fixed_ip_allocate(CTXT, 'uuid-1')
    first = db.network_create(CTXT, 'first', '10.5.0.0/29')
    db.network_create(CTXT, 'second', '10.6.0.0/29')
    network, address = db.fixed_ip_allocate(CTXT, 'uuid-1')
    assert (network, address) == ({'id': first['id'], 'label': 'first'},
                                  '10.5.0.2')
    assert db.fixed_ip_allocate(CTXT, 'uuid-1')[1] == '10.5.0.2'
    assert db.fixed_ip_allocate(CTXT, 'uuid-2')[1] == '10.5.0.3'


def test_an_allocation_reads_the_network_and_a_held_address_at_once(db):
    db.network_create(CTXT, 'first', '10.7.0.0/29')
    sent = statements.recorded(db)
    # The network with no address held, the lowest free one, taken.
    assert db.fixed_ip_allocate(CTXT, 'uuid-1')[1] == '10.7.0.2'
    assert sent == ['SELECT', 'SELECT', 'UPDATE']
    del sent[:]
    # Held already: one read.
    assert db.fixed_ip_allocate(CTXT, 'uuid-1')[1] == '10.7.0.2'
    assert sent == ['SELECT']
