"""Routing paths and cell-qualified names.

A routing path joins cell names with ``!`` (``api!cell1!gc1``); an item
inside a cell is written ``path@item`` (``api!cell1@host3``).
"""

from __future__ import annotations

PATH_CELL_SEP = '!'
CELL_ITEM_SEP = '@'


def reverse_path(path: str) -> str:
    return PATH_CELL_SEP.join(reversed(path.split(PATH_CELL_SEP)))


def path_join(*names: str) -> str:
    return PATH_CELL_SEP.join(n for n in names if n)


def same_cell(path: str | None, other: str | None) -> bool:
    """Whether two routing paths end at the same cell (a cell with
    several parents is reached by several paths)."""
    if not path or not other:
        return False
    return (path.rsplit(PATH_CELL_SEP, 1)[-1]
            == other.rsplit(PATH_CELL_SEP, 1)[-1])


def is_below(path: str, ancestor: str) -> bool:
    """Whether the cell at ``path`` is in the subtree under
    ``ancestor`` (and not ``ancestor`` itself)."""
    return path.startswith(ancestor + PATH_CELL_SEP)


def cell_with_item(cell_path: str, item: object) -> str:
    return '%s%s%s' % (cell_path, CELL_ITEM_SEP, item)


def split_cell_and_item(name: str) -> tuple[str, str | None]:
    """``'api!cell1@host3'`` -> ``('api!cell1', 'host3')``."""
    cell, sep, item = name.rpartition(CELL_ITEM_SEP)
    if not sep:
        return name, None
    return cell, item
