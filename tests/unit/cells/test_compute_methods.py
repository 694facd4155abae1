"""What a parent may run on an instance of this cell, and the RPC
version each compute API method needs from the local nova-cells."""

from __future__ import annotations

from typing import Any

import pytest

from nova.cells import methods
from nova.cells import rpcapi as cells_rpcapi
from nova.compute import api as compute_api


def test_every_allowed_method_is_one_of_the_compute_api():
    for name in methods.COMPUTE_API_METHODS:
        assert callable(getattr(compute_api.API, name, None)), name
    # Those that look up global data run at the top only.
    assert 'restore' not in methods.COMPUTE_API_METHODS
    assert {'soft_delete', 'restore_soft_deleted'} <= \
        methods.COMPUTE_API_METHODS


class _Client:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self._version = ''

    def prepare(self, version: str, **kwargs: Any) -> _Client:
        self._version = version
        return self

    def cast(self, ctxt: Any, method: str, **kwargs: Any) -> None:
        self.sent.append((kwargs['method_info']['method'], self._version))


@pytest.mark.parametrize('method, version', [
    ('reboot', '1.0'), ('delete', '1.0'), ('soft_delete', '1.5'),
    ('restore_soft_deleted', '1.5')])
def test_soft_delete_methods_are_sent_at_1_5(method, version):
    api = cells_rpcapi.CellsAPI.__new__(cells_rpcapi.CellsAPI)
    api.client = _Client()
    api.run_compute_api_method(None, 'api!cell1', {
        'method': method, 'instance_uuid': 'u', 'method_args': [],
        'method_kwargs': {}})
    assert api.client.sent == [(method, version)]
