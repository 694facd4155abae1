"""Fields of a server's view that Nova's response schemas never allow to
be null."""

from __future__ import annotations


def test_address_without_a_mac_shows_no_null_mac(call, compute):
    inst = compute.add_instance(network_info=[
        {'label': 'private', 'address': '10.0.0.3', 'version': '4',
         'type': 'fixed', 'mac': None},
        {'label': 'private', 'address': '10.0.0.4', 'version': '4',
         'type': 'fixed', 'mac': 'fa:16:3e:00:00:02'}])
    server = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    without, with_mac = server['addresses']['private']
    assert 'OS-EXT-IPS-MAC:mac_addr' not in without
    assert with_mac['OS-EXT-IPS-MAC:mac_addr'] == 'fa:16:3e:00:00:02'
