"""``GET /servers`` and ``/servers/detail`` at the API cell: listings are
rendered from rows (no objects per server); they must show exactly what
``GET /servers/{id}`` shows for each server, newest first, page by page.
"""

import json

import pytest
import webob

from nova import context as nova_context
from nova.api import wsgi_app
from nova.api.views import servers as views
from nova.compute import images
from nova.tools import inproc_tree

ADMIN = nova_context.get_admin_context()
OWNER = 'alice:p1'
SERVERS = 7


def _listing_tree(path):
    """An API cell holding servers in various states, and its app."""
    tree = inproc_tree.Tree(path, {'api': ('api', [])},
                            services={'api': ['cells']}, registry='db').start()
    api = tree.compute_api('api')
    db = tree.db('api')
    ctxt = nova_context.RequestContext('alice', 'p1')
    flavor = api.flavor_get(ctxt, '1')
    image = api._bootable_image(ctxt, images.DEFAULT_IMAGE_ID, flavor)
    uuids = []
    for i in range(SERVERS):
        values = api._instance_values(ctxt, flavor, image, 'srv-%d' % i)
        values['metadata'] = {'index': str(i)}
        uuid = db.instance_create(ctxt, values)['uuid']
        uuids.append(uuid)
        state = {'vm_state': 'active', 'host': 'h%d' % i, 'node': 'n1',
                 'cell_name': 'api!cell1', 'progress': 100,
                 'network_info': [{'address': '10.0.0.%d' % (i + 2),
                                   'label': 'private', 'version': 4,
                                   'mac': 'fa:16:3e:00:00:%02x' % i}]}
        if i == 3:
            state['vm_state'] = 'error'
            db.instance_fault_create(ADMIN, {
                'instance_uuid': uuid, 'code': 500, 'message': 'boom',
                'details': 'Traceback...', 'host': 'h3'})
        db.instance_update(ADMIN, uuid, state)
    # Another project's server never shows in alice's listings.
    other = api._instance_values(nova_context.RequestContext('bob', 'p2'),
                                 flavor, image, 'bobs')
    db.instance_create(ADMIN, other)
    app = wsgi_app.load_app(tree.confs['api'], api)
    return tree, app, uuids, api


@pytest.fixture(scope='module')
def listed(tmp_path_factory):
    tree, app, uuids, _api = _listing_tree(
        str(tmp_path_factory.mktemp('listing')))
    yield app, uuids
    tree.stop()


@pytest.fixture
def changing(tmp_path):
    """:func:`listed`'s servers, for a test that changes them."""
    tree, app, uuids, api = _listing_tree(str(tmp_path))
    yield tree.db('api'), app, uuids, api
    tree.stop()


def _get(app, path, token=OWNER):
    req = webob.Request.blank('/v2.1' + path)
    req.headers['X-Auth-Token'] = token
    resp = req.get_response(app)
    assert resp.status_int == 200, resp.text
    return json.loads(resp.body)


@pytest.mark.parametrize('token', [OWNER, 'admin:p1'])
def test_each_listed_server_is_what_show_returns(listed, token):
    app, uuids = listed
    servers = _get(app, '/servers/detail', token)['servers']
    assert {s['id'] for s in servers} == set(uuids)
    for server in servers:
        assert server == _get(app, '/servers/%s' % server['id'],
                              token)['server']
    errored = next(s for s in servers if s['id'] == uuids[3])
    assert errored['status'] == 'ERROR'
    assert errored['fault']['message'] == 'boom'
    # A 500's details are for operators only.
    assert ('details' in errored['fault']) == (token != OWNER)


def test_listings_are_newest_first_and_page_with_markers(listed):
    app, uuids = listed
    newest_first = list(reversed(uuids))
    body = _get(app, '/servers')
    assert [s['id'] for s in body['servers']] == newest_first
    assert set(body['servers'][0]) == {'id', 'name', 'links'}
    seen, path = [], '/servers/detail?limit=3'
    while path:
        body = _get(app, path)
        seen.extend(s['id'] for s in body['servers'])
        links = [link['href'] for link in body.get('servers_links', [])
                 if link['rel'] == 'next']
        path = links[0][links[0].index('/servers'):] if links else None
    assert seen == newest_first


def _child_copy(db, uuid, **changes):
    """The child's next copy of a server, as its sync brings it up."""
    held = db.instance_get_by_uuid(ADMIN, uuid)
    return dict(uuid=uuid, sync_version=(held['sync_version'] or 0) + 1,
                **changes)


def _count_renders(monkeypatch, view):
    """The uuids of the servers each ``views.Renderer.<view>`` call
    renders, in order, from now on."""
    rendered = []
    render = getattr(views.Renderer, view)

    def counting(self, values):
        rendered.append(values['uuid'])
        return render(self, values)

    monkeypatch.setattr(views.Renderer, view, counting)
    return rendered


def test_a_listing_shows_each_change_and_renders_only_those(
        changing, monkeypatch):
    db, app, uuids, _api = changing
    rendered = _count_renders(monkeypatch, 'detail')
    first = _get(app, '/servers/detail')['servers']
    assert len(rendered) == SERVERS
    del rendered[:]
    assert _get(app, '/servers/detail')['servers'] == first
    assert rendered == []

    # Each kind of write the API cell's copy takes: a child's state, its
    # info cache, a deletion; then the API's own metadata change, a fault.
    db.instances_apply_from_child(ADMIN, [
        _child_copy(db, uuids[0], vm_state='stopped', power_state=4),
        _child_copy(db, uuids[1], network_info=[{
            'address': '10.0.9.9', 'label': 'private', 'version': 4,
            'mac': 'fa:16:3e:00:09:09'}])])
    db.instances_destroy_from_child(ADMIN, [uuids[4]])
    _get(app, '/servers/detail')
    assert sorted(rendered) == sorted(uuids[:2])
    del rendered[:]
    db.instance_update(ADMIN, uuids[2], {'metadata': {'role': 'db'}},
                       bump_api_version=True)
    db.instance_fault_create(ADMIN, {
        'instance_uuid': uuids[3], 'code': 500, 'message': 'boom again',
        'details': '', 'host': 'h3'})

    servers = {s['id']: s for s in _get(app, '/servers/detail')['servers']}
    assert sorted(rendered) == sorted(uuids[2:4])
    assert set(servers) == set(uuids) - {uuids[4]}
    assert servers[uuids[0]]['status'] == 'SHUTOFF'
    assert servers[uuids[1]]['addresses']['private'][0]['addr'] == \
        '10.0.9.9'
    assert servers[uuids[2]]['metadata'] == {'role': 'db'}
    assert servers[uuids[3]]['fault']['message'] == 'boom again'
    for uuid, server in servers.items():
        assert server == _get(app, '/servers/%s' % uuid)['server']

    # Another caller's view of the same servers is its own (an admin's
    # shows host attributes); a page of it is rendered for it.
    del rendered[:]
    page = _get(app, '/servers/detail?limit=2', 'admin:p1')['servers']
    assert len(rendered) == 2
    assert page[0]['OS-EXT-SRV-ATTR:host'] == 'h%d' % uuids.index(
        page[0]['id'])


def test_the_short_listing_renders_only_what_changed(changing, monkeypatch):
    # GET /servers keeps its entries as /servers/detail keeps its views:
    # a renamed server is rendered again, a status filter still filters.
    db, app, uuids, _api = changing
    rendered = _count_renders(monkeypatch, 'basic')
    first = _get(app, '/servers')['servers']
    assert sorted(rendered) == sorted(uuids)
    del rendered[:]
    assert _get(app, '/servers')['servers'] == first
    assert rendered == []

    db.instance_update(ADMIN, uuids[2], {'display_name': 'renamed'},
                       bump_api_version=True)
    db.instances_apply_from_child(ADMIN, [
        _child_copy(db, uuids[0], vm_state='stopped', power_state=4)])
    servers = _get(app, '/servers')['servers']
    assert sorted(rendered) == sorted([uuids[0], uuids[2]])
    assert [s['id'] for s in servers] == [s['id'] for s in first]
    assert {s['id']: s['name'] for s in servers}[uuids[2]] == 'renamed'
    stopped = _get(app, '/servers?status=SHUTOFF')['servers']
    assert [s['id'] for s in stopped] == [uuids[0]]
    assert uuids[0] not in {
        s['id'] for s in _get(app, '/servers?status=ACTIVE')['servers']}


def test_a_server_gone_between_the_reads_of_a_listing(changing, monkeypatch):
    # The listing reads the page's revisions, then the servers that
    # changed; one deleted in between leaves the page whole, its next
    # link included.
    db, app, uuids, api = changing
    _get(app, '/servers/detail?limit=3')
    db.instance_update(ADMIN, uuids[6], {'metadata': {'role': 'db'}},
                       bump_api_version=True)
    get_revisions = api.get_revisions

    def deleting_after(*args, **kwargs):
        page = get_revisions(*args, **kwargs)
        db.instances_destroy_from_child(ADMIN, [uuids[6]])
        return page

    monkeypatch.setattr(api, 'get_revisions', deleting_after)
    body = _get(app, '/servers/detail?limit=3')
    assert [s['id'] for s in body['servers']] == uuids[5:2:-1]
    [link] = body['servers_links']
    assert link['href'].endswith('marker=%s' % uuids[3])


def _pages(app, token, version, limit):
    """Every page of a detailed listing, as the client sees them."""
    pages, path = [], '/servers/detail?limit=%d' % limit
    while path:
        req = webob.Request.blank('/v2.1' + path)
        req.headers['X-Auth-Token'] = token
        req.headers['OpenStack-API-Version'] = 'compute %s' % version
        resp = req.get_response(app)
        assert resp.status_int == 200, resp.text
        body = json.loads(resp.body)
        pages.append(body)
        links = [link['href'] for link in body.get('servers_links', [])
                 if link['rel'] == 'next']
        path = links[0][links[0].index('/servers'):] if links else None
    return pages


@pytest.mark.parametrize('version', ['2.1', '2.3', '2.16', '2.47', '2.73',
                                     '2.100', 'latest'])
def test_pages_are_those_of_a_listing_that_keeps_no_views(tmp_path,
                                                           version):
    # Kept views and the page's revisions read as one value must give
    # the bodies a listing rendering every server gives, field for
    # field, at every version, for an owner and an administrator.
    tree, app, _uuids, api = _listing_tree(str(tmp_path))
    conf = tree.confs['api']
    try:
        conf.set_override('rendered_server_cache_size', 0, 'api')
        plain = wsgi_app.load_app(conf, api)
        for token in (OWNER, 'admin:p1'):
            for limit in (3, 1000):
                expected = _pages(plain, token, version, limit)
                assert _pages(app, token, version, limit) == expected
                # Again, from the views the first listing kept.
                assert _pages(app, token, version, limit) == expected
    finally:
        conf.clear_override('rendered_server_cache_size', 'api')
        tree.stop()
