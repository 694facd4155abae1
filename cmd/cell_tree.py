"""``nova-manage cell tree``: the live tree of cells, as nova-cells sees it.

The command asks this cell's nova-cells (over this cell's own broker,
``[DEFAULT] transport_url``) for every cell below; each cell answers with
its neighbours, the mute state of its children, its free capacity and how
many of its compute hosts are up.  Example output::

    api  (api cell, this cell)  own hosts 0/0 up; free with cells below:
    RAM 98304 MB, disk 3072000 MB
    |-- cell1  ok  own hosts 0/0 up; free with cells below: RAM 32768 ...
    |   `-- gc1  MUTE (last report 412 s ago)  own hosts 1/1 up; ...
    `-- cell2  NO ANSWER

(one line per cell; the first is wrapped here).  "own hosts" counts the
enabled, up compute hosts of the cell itself; the free RAM and disk are
those the cell reports to its parents, its children's included.

A nova-cells that does not answer within ``--timeout`` seconds is a
one-line error and exit status 1.
"""

from __future__ import annotations

import argparse
from typing import Any

from oslo_config import cfg
import oslo_messaging

from nova import cell_paths
from nova import context
from nova import exception
from nova import rpc
from nova.cells import rpcapi as cells_rpcapi


def add_parser(actions: Any) -> None:
    """Add ``tree`` to the ``cell`` actions of nova-manage."""
    tree = actions.add_parser(
        'tree', allow_abbrev=False,
        help='show the live tree of cells below this one')
    tree.add_argument('--timeout', type=float, metavar='SECONDS',
                      help='how long to wait for nova-cells (default: '
                           '[cells] call_timeout plus 5)')
    tree.set_defaults(func=cmd_cell_tree)


def _capacity(info: dict[str, Any]) -> str:
    return ('own hosts %d/%d up; free with cells below: RAM %d MB, '
            'disk %d MB' % (info['compute_hosts_up'], info['compute_hosts'],
                            info['ram_free_mb'], info['disk_free_mb']))


def _child_status(child: dict[str, Any]) -> str:
    if not child['mute']:
        return 'ok'
    if child.get('last_seen_ago') is None:
        return 'MUTE (never reported)'
    return 'MUTE (last report %d s ago)' % child['last_seen_ago']


def _lines(tree: dict[str, Any], path: str, prefix: str,
           depth: int) -> list[str]:
    """The lines of the subtree below ``path``."""
    info = tree['cells'].get(path)
    if info is None or depth > 32:
        return []
    lines = []
    children = info['children']
    for index, child in enumerate(children):
        last = index == len(children) - 1
        child_path = cell_paths.path_join(path, child['name'])
        head = prefix + ('`-- ' if last else '|-- ') + child['name'] + '  '
        if child_path in tree['failed']:
            lines.append(head + 'ERROR: ' + tree['failed'][child_path])
        elif child_path not in tree['cells']:
            lines.append(head + 'NO ANSWER')
        else:
            child_info = tree['cells'][child_path]
            line = head + _child_status(child) + '  ' + _capacity(child_info)
            if len(child_info['parents']) > 1:
                line += '; parents: ' + ', '.join(child_info['parents'])
            lines.append(line)
        lines += _lines(tree, child_path,
                        prefix + ('    ' if last else '|   '), depth + 1)
    return lines


def format_tree(tree: dict[str, Any]) -> str:
    """The text ``nova-manage cell tree`` prints."""
    root = tree['root']
    info = tree['cells'].get(root)
    if info is None:
        return '%s  ERROR: %s' % (root, tree['failed'].get(root, 'no data'))
    lines = ['%s  (%s cell, this cell)  %s'
             % (root, info['cell_type'], _capacity(info))]
    if info['parents']:
        lines.append('parents: ' + ', '.join(info['parents']))
    lines += _lines(tree, root, '', 0)
    return '\n'.join(lines)


def get_tree(conf: cfg.ConfigOpts,
             timeout: float | None = None) -> dict[str, Any]:
    """Ask this cell's nova-cells for the tree below it."""
    transport = rpc.get_transport(conf)
    try:
        client = cells_rpcapi.CellsAPI(conf, transport)
        return client.get_cell_tree(context.get_admin_context(),
                                    timeout=timeout)
    except oslo_messaging.MessagingTimeout:
        raise exception.ServiceUnavailable(
            reason='nova-cells of cell %s did not answer in time; is it '
                   'running?' % conf.cells.name) from None
    except oslo_messaging.MessagingException as exc:
        raise exception.ServiceUnavailable(
            reason='cannot reach nova-cells of cell %s (%s)'
                   % (conf.cells.name, type(exc).__name__)) from None
    finally:
        transport.cleanup()


def cmd_cell_tree(args: argparse.Namespace, conf: cfg.ConfigOpts) -> None:
    if not conf.cells.enable:
        raise exception.NotSupported(
            reason='cells are not enabled ([cells] enable = false)')
    print(format_tree(get_tree(conf, args.timeout)))
