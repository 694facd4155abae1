"""host_views.uptime: uptime(1)'s words from a start time."""

import datetime

from nova import host_views

T = datetime.datetime


def test_uptime_counts_days_hours_and_minutes():
    text = host_views.uptime(T(2024, 1, 1, 8, 0), T(2024, 1, 4, 10, 5, 9))
    assert text == ('10:05:09 up 3 days,  2:05,  0 users,  load average: '
                    '0.00, 0.00, 0.00')


def test_uptime_unknown_and_from_text():
    assert host_views.uptime(None, T(2024, 1, 1)) is None
    assert host_views.uptime('2024-01-01T00:00:00Z', T(2024, 1, 1, 1)
                             ).startswith('01:00:00 up 0 days,  1:00')
