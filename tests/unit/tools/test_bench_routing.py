"""The routing benchmark's paired rounds: each routed burst between two
raw ones, and the ratios taken from them."""

from nova.tools.bench import routing
from nova.tools.bench import routing_worker


def _pings(name, log):
    return (lambda: log.append((name, 'call')),
            lambda: log.append((name, 'cast')))


def _bursts(log):
    """The order of the cast bursts (a run of casts, ended by a call)."""
    order = []
    for (name, kind), (_, following) in zip(log, log[1:] + [(None, None)],
                                            strict=True):
        if kind == 'cast' and following == 'call':
            order.append(name)
    return order


def test_each_routed_burst_sits_between_two_raw_ones():
    log = []
    result = routing_worker.paired_rounds(
        _pings('raw', log), {'a': _pings('a', log), 'b': _pings('b', log)},
        rounds=2, casts=3, calls=2)

    assert _bursts(log) == ['raw', 'a', 'raw', 'b', 'raw'] * 2
    assert result['rounds'] == 2
    assert [len(result['paths'][p]) for p in ('a', 'b')] == [2, 2]
    for rounds in result['paths'].values():
        for one in rounds:
            assert set(one) == {'cast', 'call', 'raw_cast', 'raw_call'}
            assert min(one.values()) > 0


def test_ratios_are_the_median_and_range_over_rounds_scaled_per_hop():
    rounds = [{'cast': 300, 'raw_cast': 1000, 'call': 50, 'raw_call': 100},
              {'cast': 400, 'raw_cast': 1000, 'call': 40, 'raw_call': 100},
              {'cast': 200, 'raw_cast': 1000, 'call': 60, 'raw_call': 100}]

    ratios = routing.paired_ratios(rounds, deliveries=3)

    assert ratios['cast'] == {'median': 0.9, 'low': 0.6, 'high': 1.2}
    assert ratios['call'] == {'median': 0.5, 'low': 0.4, 'high': 0.6}
    # A broadcast's call brings one answer per child.
    assert routing.paired_ratios(rounds, 3, answers=10)['call'][
        'median'] == 5.0


def test_a_paired_driver_without_its_raw_config_is_refused(capsys):
    import pytest
    with pytest.raises(SystemExit):
        routing_worker.main('paired-driver', ['--config', 'x.conf'])
    assert '--raw-config' in capsys.readouterr().err
