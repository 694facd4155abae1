"""The API's cache of rendered server views."""

from __future__ import annotations

import pytest

from nova.api.views import cache


def test_a_view_is_found_for_its_revision_only():
    views = cache.RenderedViews(10)
    views.put_many('k', [('a', 1, b'{"a":1}'), ('b', 7, b'{"b":7}')])
    assert views.get_many('k', [('a', 1), ('b', 8), ('c', 1)]) == [
        b'{"a":1}', None, None]
    # A new rendering replaces the old one.
    views.put_many('k', [('b', 8, b'{"b":8}')])
    assert views.get_many('k', [('b', 7), ('b', 8)]) == [None, b'{"b":8}']
    assert len(views) == 2


def test_views_of_other_renderers_are_not_shared():
    views = cache.RenderedViews(10)
    views.put_many(('http://a/v2.1', True), [('a', 1, b'admin')])
    assert views.get_many(('http://a/v2.1', False), [('a', 1)]) == [None]
    assert views.get_many(('http://a/v2.1', True), [('a', 1)]) == [b'admin']


def test_the_least_recently_used_go_first():
    views = cache.RenderedViews(3)
    views.put_many('k', [(u, 1, u.encode()) for u in 'abc'])
    # Reading 'a' keeps it; 'b' is then the oldest.
    assert views.get_many('k', [('a', 1)]) == [b'a']
    views.put_many('k', [('d', 1, b'd'), ('e', 1, b'e')])
    assert len(views) == 3
    assert views.get_many('k', [(u, 1) for u in 'abcde']) == [
        b'a', None, None, b'd', b'e']


def test_size_zero_keeps_nothing():
    views = cache.RenderedViews(0)
    views.put_many('k', [('a', 1, b'a')])
    assert len(views) == 0
    assert views.get_many('k', [('a', 1)]) == [None]


def test_a_negative_size_is_refused():
    with pytest.raises(ValueError, match='0 or more'):
        cache.RenderedViews(-1)


def test_the_views_of_the_least_recently_used_renderer_go_first():
    views = cache.RenderedViews(4)
    views.put_many('old', [('a', 1, b'old-a'), ('b', 1, b'old-b')])
    views.put_many('new', [('a', 1, b'new-a'), ('b', 1, b'new-b')])
    # Reading 'old' makes 'new' the least recently used renderer.
    assert views.get_many('old', [('a', 1)]) == [b'old-a']
    views.put_many('old', [('c', 1, b'old-c')])
    assert len(views) == 4
    assert views.get_many('new', [('a', 1), ('b', 1)]) == [None, b'new-b']
    assert views.get_many('old', [(u, 1) for u in 'abc']) == [
        b'old-a', b'old-b', b'old-c']
    # A renderer whose views all went is forgotten.
    views.put_many('old', [('d', 1, b'old-d')])
    assert views.get_many('new', [('b', 1)]) == [None]
    assert len(views) == 4
