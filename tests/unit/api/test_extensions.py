"""/extensions: Nova's fixed list at 2.1."""

from __future__ import annotations

from nova.api import extensions


def test_list(call):
    resp = call('GET', '/v2.1/extensions')
    assert resp.status_int == 200
    listed = resp.json['extensions']
    assert len(listed) == len(extensions.EXTENSIONS)
    aliases = [e['alias'] for e in listed]
    assert aliases == sorted(aliases)
    assert {'os-flavor-access', 'os-hosts', 'os-simple-tenant-usage',
            'OS-EXT-STS'} <= set(aliases)
    for entry in listed:
        assert set(entry) == {'name', 'alias', 'description', 'namespace',
                              'updated', 'links'}
        assert entry['links'] == []


def test_show(call):
    resp = call('GET', '/v2.1/extensions/os-hosts')
    assert resp.status_int == 200
    assert resp.json['extension']['name'] == 'Hosts'
    resp = call('GET', '/v2.1/extensions/os-volumes')
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['code'] == 404


def test_every_listed_alias_shows(call):
    for entry in call('GET', '/v2.1/extensions').json['extensions']:
        resp = call('GET', f"/v2.1/extensions/{entry['alias']}")
        assert resp.status_int == 200
        assert resp.json == {'extension': entry}


def test_tempest_shows_os_consoles(call):
    resp = call('GET', '/v2.1/extensions/os-consoles')
    assert resp.status_int == 200
    assert resp.json['extension']['alias'] == 'os-consoles'
    assert resp.json['extension']['name'] == 'Consoles'
