"""How ``nova-manage cell tree`` draws what nova-cells answered."""

from nova.cmd import cell_tree


def _info(name, children=(), parents=(), up=1, total=1):
    return {'name': name, 'cell_type': 'compute', 'parents': list(parents),
            'children': [{'name': c, 'mute': m, 'last_seen_ago': a}
                         for c, m, a in children],
            'ram_free_mb': 1024, 'disk_free_mb': 2048,
            'compute_hosts': total, 'compute_hosts_up': up}


def test_format_tree_nests_children_and_shows_failures():
    tree = {'root': 'mid', 'missing': ['mid!c3'],
            'failed': {'mid!c2': 'boom'},
            'cells': {
                'mid': _info('mid', [('c1', False, 1.0), ('c2', False, 2.0),
                                     ('c3', True, None)],
                             parents=['api', 'api2'], up=0, total=0),
                'mid!c1': _info('c1', [('g1', True, 400.0)],
                                parents=['mid', 'other']),
                'mid!c1!g1': _info('g1', up=0, total=2)}}
    assert cell_tree.format_tree(tree).splitlines() == [
        'mid  (compute cell, this cell)  own hosts 0/0 up; free with cells '
        'below: RAM 1024 MB, disk 2048 MB',
        'parents: api, api2',
        '|-- c1  ok  own hosts 1/1 up; free with cells below: RAM 1024 MB, '
        'disk 2048 MB; parents: mid, other',
        '|   `-- g1  MUTE (last report 400 s ago)  own hosts 0/2 up; free '
        'with cells below: RAM 1024 MB, disk 2048 MB',
        '|-- c2  ERROR: boom',
        '`-- c3  NO ANSWER',
    ]


def test_format_tree_without_an_answer_from_here():
    assert cell_tree.format_tree(
        {'root': 'api', 'cells': {}, 'failed': {'api': 'db down'},
         'missing': []}) == 'api  ERROR: db down'
