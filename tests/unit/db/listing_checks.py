"""A listing's reads, checked the same way on SQLite (unit tests) and
MariaDB (``tests/real``): the text timestamps the database renders and the
side tables joined on the page must match what the rows hold; the
revisions of a page (read as one aggregated value) must be the rows'."""

from __future__ import annotations

import datetime
from typing import Any

from oslo_utils import uuidutils
import pytest

from nova import context as nova_context
from nova import exception

T0 = datetime.datetime(2026, 11, 1, 12, 0, 0, 250)


def fill(db: Any, count: int = 5) -> list[str]:
    """``count`` instances of project p1 (one with a launch time, two
    metadata items each) and one of project p2; p1's uuids, oldest
    first."""
    ctxt = nova_context.get_admin_context()
    uuids = []
    for i in range(count):
        values = {'uuid': uuidutils.generate_uuid(),
                  'project_id': 'p1', 'user_id': 'u1',
                  'display_name': f's{i}', 'vm_state': 'active',
                  'created_at': T0 + datetime.timedelta(seconds=i),
                  'metadata': {'index': str(i), 'even': str(i % 2 == 0)},
                  'network_info': [{'address': f'10.0.0.{i}'}]}
        if i == 1:
            values['launched_at'] = T0 + datetime.timedelta(minutes=1)
        uuids.append(db.instance_create(ctxt, values)['uuid'])
    db.instance_create(ctxt, {'uuid': uuidutils.generate_uuid(),
                              'project_id': 'p2', 'user_id': 'u2',
                              'metadata': {'other': 'yes'}})
    return uuids


def check_listing_pages(db: Any, uuids: list[str]) -> None:
    ctxt = nova_context.get_admin_context()
    full = {r['uuid']: r for r in db.instance_get_all_by_filters(
        ctxt, {'project_id': 'p1'})}
    assert sum(1 for r in full.values() if r['launched_at']) == 1
    seen: list[str] = []
    marker = None
    while True:
        page = db.instance_get_all_by_filters(
            ctxt, {'project_id': 'p1'}, limit=2, marker=marker,
            columns=('created_at', 'launched_at', 'terminated_at'),
            expected_attrs=('metadata', 'network_info'), sort_dir='desc',
            iso_timestamps=True)
        if not page:
            break
        for row in page:
            whole = full[row['uuid']]
            for column in ('created_at', 'launched_at', 'terminated_at'):
                held = whole[column]
                assert row[column] == (
                    None if held is None
                    else held.isoformat(timespec='microseconds')), column
            assert row['metadata'] == whole['metadata']
            assert row['network_info'] == whole['network_info']
        seen += [row['uuid'] for row in page]
        marker = page[-1]['uuid']
    assert seen == list(reversed(uuids))


def check_revision_pages(db: Any, uuids: list[str]) -> None:
    """``instance_revisions`` gives the uuids and revisions of what the
    listing shows, in its order, page by page."""
    ctxt = nova_context.get_admin_context()
    p1 = {'project_id': 'p1', 'deleted': False}
    expected = [(r['uuid'], r['revision']) for r in
                db.instance_get_all_by_filters(ctxt, p1, sort_dir='desc')]
    assert [uuid for uuid, _rev in expected] == list(reversed(uuids))
    assert db.instance_revisions(ctxt, p1) == expected
    seen: list[tuple[str, int]] = []
    marker = None
    while True:
        page = db.instance_revisions(ctxt, p1, limit=2, marker=marker)
        if not page:
            break
        assert page == db.instance_revisions(ctxt, p1, limit=2,
                                             marker=marker)
        seen += page
        marker = page[-1][0]
    assert seen == expected
    assert db.instance_revisions(ctxt, dict(p1, project_id='nobody')) == []
    with pytest.raises(exception.InstanceNotFound):
        db.instance_revisions(ctxt, p1, limit=2,
                              marker=uuidutils.generate_uuid())
    # A marker past the last instance is known: an empty page.
    assert db.instance_revisions(ctxt, p1, marker=uuids[0]) == []
