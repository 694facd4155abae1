"""The in-process boot profiler counts each cell's statements per server."""

from nova.tools.bench import boots_inproc


def test_boots_reach_active_and_statements_are_counted_per_cell(tmp_path):
    profile = tmp_path / 'boots.prof'

    result = boots_inproc.run(servers=3, cells=2, hosts=1,
                              profile=str(profile))

    assert result['servers'] == 3
    api = result['statements_per_server']['api']
    children = result['statements_per_server']['children']
    # The API cell writes its copy of each server; the children build it.
    assert api['INSERT'] >= 1 and children['INSERT'] >= 1
    assert children['UPDATE'] >= 3      # networking, spawning, active
    assert abs(api['all'] - sum(v for k, v in api.items()
                                if k != 'all')) < 0.1
    text = profile.read_text()
    assert 'ComputeManager.build_and_run_instance' in text
    assert (tmp_path / 'boots.prof.pstat').exists()
