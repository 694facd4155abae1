"""The tail of a console log, as os-getConsoleOutput answers it."""

from types import SimpleNamespace

import pytest

from nova.compute import power

LOG = 'boot\nkernel\nnetwork up\nlogin:\n'


def _manager(log):
    driver = SimpleNamespace(get_console_output=lambda ctxt, inst: log)
    return SimpleNamespace(driver=driver)


@pytest.mark.parametrize('length, expected', [
    (3, 'kernel\nnetwork up\nlogin:'),
    (1, 'login:'),
    (10, 'boot\nkernel\nnetwork up\nlogin:'),
    (0, ''),
])
def test_tail_holds_the_last_lines_asked_for(length, expected):
    output = power.console_output(_manager(LOG), None, None, length)
    assert output == expected
    if length:
        assert len(output.split('\n')) == min(length, 4)


def test_without_a_length_the_whole_log():
    assert power.console_output(_manager(LOG), None, None, None) == LOG
