"""tools/bench/run's options: the boot sizes."""

import pytest

from nova.tools.bench import cli


def test_boot_sizes_are_a_list_of_positive_integers():
    args = cli.parse_args(['--only', 'boots,peer', '--boot-sizes', '100'])

    assert args.boot_sizes == [100]
    assert args.chosen == ['boots', 'peer']
    assert cli.parse_args([]).boot_sizes == []


@pytest.mark.parametrize('value', ['100,x', '0', '-5'])
def test_bad_boot_sizes_are_refused_with_the_option_named(value, capsys):
    with pytest.raises(SystemExit):
        cli.parse_args(['--boot-sizes', value])

    assert '--boot-sizes' in capsys.readouterr().err
