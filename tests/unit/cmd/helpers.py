"""Helpers shared by the nova-manage tests."""

from __future__ import annotations

import pathlib
from typing import NamedTuple


class Result(NamedTuple):
    code: int
    out: str
    err: str


def write_conf(path: pathlib.Path, connection: str) -> str:
    path.write_text(f'[database]\nconnection = {connection}\n',
                    encoding='utf-8')
    return str(path)


def assert_one_line_error(result: Result, code: int,
                          fragment: str = '') -> None:
    assert result.code == code, result
    assert result.out == '', result
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith('nova-manage: error: '), result.err
    assert fragment in lines[0], (fragment, lines[0])
