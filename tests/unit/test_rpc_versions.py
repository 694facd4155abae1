"""Each RPC client announces the version its manager serves."""

import importlib

import pytest

from nova.cells import manager as cells_manager
from nova.cells import rpcapi as cells_rpcapi
from nova.compute import manager as compute_manager
from nova.compute import rpcapi as compute_rpcapi
from nova.network import manager as network_manager
from nova.network import rpcapi as network_rpcapi
from nova.scheduler import manager as scheduler_manager
from nova.scheduler import rpcapi as scheduler_rpcapi


@pytest.mark.parametrize('client, manager', [
    (compute_rpcapi.ComputeAPI, compute_manager.ComputeManager),
    (scheduler_rpcapi.SchedulerAPI, scheduler_manager.SchedulerManager),
    (cells_rpcapi.CellsAPI, cells_manager.CellsManager),
    (network_rpcapi.NetworkAPI, network_manager.NetworkManager),
])
def test_client_and_manager_versions_match(client, manager):
    assert client.VERSION == manager.target.version
    # The client module's docstring is the changelog.
    changelog = importlib.import_module(client.__module__).__doc__
    assert '* %s - ' % client.VERSION in changelog


@pytest.mark.parametrize('client, manager', [
    (compute_rpcapi.ComputeAPI, compute_manager.ComputeManager),
    (scheduler_rpcapi.SchedulerAPI, scheduler_manager.SchedulerManager),
])
def test_every_client_method_has_a_manager_method(client, manager):
    for name in vars(client):
        if name.startswith('_') or not callable(getattr(client, name)):
            continue
        assert callable(getattr(manager, name, None)), name
