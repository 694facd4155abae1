"""The shape of a deployment: the ``--tree`` spec and what runs where.

:func:`parse_tree` turns a spec (``'api:cell1,cell2;cell1:gc1'``) into
:class:`TreeCell` records, root first then level by level;
:func:`plan_cells` turns those into :class:`CellPlan` records: each
cell's database, vhost, configuration file, compute hosts and the
services that must have reported before the cell counts as up.  Nothing
here touches a server or a file.
"""

from __future__ import annotations

from collections.abc import Iterable
import dataclasses
import pathlib
import re

from nova.tools.launcher.errors import LauncherError

MAX_CELLS = 200
MAX_COMPUTES = 50
# RabbitMQ nodes a deployment may start of its own (--rabbit-nodes).
MAX_RABBIT_NODES = 16

# The queues nova-cells consumes in its own vhost (oslo.messaging names a
# server's shared topic queue after the topic).
INTERCELL_QUEUES = tuple(f'cells.intercell.{kind}'
                         for kind in ('targeted', 'broadcast', 'response'))

NAME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_]{0,39}$')
# <prefix>_<cell> must fit MariaDB's 64 characters.
_CELL_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_]{0,22}$')


@dataclasses.dataclass(frozen=True)
class TreeCell:
    """One cell of a ``--tree``: its parents (the first one, ``parent``,
    gives its path from the top) and how many compute hosts."""

    name: str
    parent: str | None
    computes: int
    children: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()


def letters(number: int) -> str:
    """``1`` -> ``a``, ``26`` -> ``z``, ``27`` -> ``aa``: a name part
    without digits."""
    text = ''
    while number > 0:
        number, rest = divmod(number - 1, 26)
        text = chr(ord('a') + rest) + text
    return text


def default_tree(children: int) -> str:
    """The ``--tree`` of an API cell above ``children`` child cells,
    named ``cella``, ``cellb``...: ids of their services and hypervisors
    (``api!cella@3``) then have the shape clients such as tempest
    expect of cells (letters and ``!`` before the ``@``)."""
    return 'api:' + ','.join(f'cell{letters(n)}'
                             for n in range(1, children + 1))


def parse_tree(spec: str, computes: int = 2) -> list[TreeCell]:
    """The cells of a ``--tree`` spec: the root first, then by level.

    ``spec`` is ``PARENT:CHILD[,CHILD...]`` entries joined by ``;``; a
    name may carry ``=N`` compute hosts.  Without it a leaf runs
    ``computes`` hosts, a middle cell and the root none.  A cell listed
    under two parents has both (``'api:c1,c2;c1:gc;c2:gc'``).  Raises
    :class:`LauncherError` unless ``spec`` has one root and no cycle.
    """
    children_of: dict[str, list[str]] = {}
    parent_of: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for entry in spec.split(';'):
        if not entry.strip():
            continue
        parent_part, colon, kids_part = entry.partition(':')
        if not colon:
            raise LauncherError(f'bad --tree entry {entry.strip()!r}: '
                                'expected PARENT:CHILD[,CHILD...]')
        parent = _cell_name(parent_part, counts)
        if parent in children_of:
            raise LauncherError(f'the children of {parent} are listed '
                                'twice in --tree')
        kids = [_cell_name(token, counts) for token in kids_part.split(',')]
        children_of[parent] = kids
        for kid in kids:
            _adopt(parent_of, parent, kid)
    ordered = _breadth_first(children_of, parent_of, counts)
    return [TreeCell(name, next(iter(parent_of.get(name, [])), None),
                     counts.get(name, 0 if name in children_of or
                                name == ordered[0] else computes),
                     tuple(children_of.get(name, ())),
                     tuple(parent_of.get(name, ())))
            for name in ordered]


def _cell_name(token: str, counts: dict[str, int]) -> str:
    """The name in ``NAME[=N]``; records N in ``counts``."""
    name, has_count, count = (part.strip() for part in token.partition('='))
    if not _CELL_RE.match(name):
        raise LauncherError(
            f'bad cell name {name!r} in --tree: a letter, then letters, '
            'digits or _ (at most 23)')
    if has_count:
        if not count.isdigit() or int(count) > MAX_COMPUTES:
            raise LauncherError(
                f'bad compute host count {count!r} for cell {name}: '
                f'0 to {MAX_COMPUTES}')
        if counts.setdefault(name, int(count)) != int(count):
            raise LauncherError(f'two compute host counts for {name}')
    return name


def _adopt(parent_of: dict[str, list[str]], parent: str, kid: str) -> None:
    if kid == parent:
        raise LauncherError(f'cell {kid} is its own child')
    if parent in parent_of.get(kid, []):
        raise LauncherError(f'cell {kid} is listed twice under {parent}')
    parent_of.setdefault(kid, []).append(parent)


def _breadth_first(children_of: dict[str, list[str]],
                   parent_of: dict[str, list[str]],
                   counts: dict[str, int]) -> list[str]:
    """Every cell from the one root down, level by level: a cell comes
    after all of its parents."""
    roots = [name for name in children_of if name not in parent_of]
    if len(roots) != 1:
        raise LauncherError('--tree must have exactly one root (the API '
                            f"cell), not {roots or 'none'}")
    root = roots[0]
    if counts.get(root):
        raise LauncherError(f'the API cell {root} runs no compute host')
    waiting = {name: len(parents) for name, parents in parent_of.items()}
    ordered = [root]
    for name in ordered:  # grows while read: a cell once all its parents
        for kid in children_of.get(name, []):
            waiting[kid] -= 1
            if not waiting[kid]:
                ordered.append(kid)
    unreachable = (set(parent_of) | set(children_of)) - set(ordered)
    if unreachable:
        raise LauncherError('cells not below the root in --tree (a '
                            f'cycle?): {sorted(unreachable)}')
    if len(ordered) > MAX_CELLS:
        raise LauncherError(f'--tree has more than {MAX_CELLS} cells')
    return ordered


def format_tree(cells: Iterable[TreeCell]) -> str:
    """The spec of ``cells`` with every count spelt out."""
    by_name = {c.name: c for c in cells}
    return ';'.join(
        f'{c.name}:' + ','.join(f'{k}={by_name[k].computes}'
                                for k in c.children)
        for c in by_name.values() if c.children)


@dataclasses.dataclass
class CellPlan:
    """One cell of the tree: its name, resources and daemons."""

    name: str
    is_api: bool
    database: str
    vhost: str
    conf: str
    fixed_range: str | None = None
    compute_hosts: list[str] = dataclasses.field(default_factory=list)
    parent: str | None = None
    children: list[str] = dataclasses.field(default_factory=list)
    level: int = 0
    # Every parent, ``parent`` first.
    parents: list[str] = dataclasses.field(default_factory=list)

    @property
    def role(self) -> str:
        if self.is_api:
            return 'API cell'
        return 'middle cell' if self.children else 'child cell'

    @property
    def expected_services(self) -> set[tuple[str, str]]:
        """(host, binary) pairs that must have reported in this cell."""
        if not self.compute_hosts:
            return {(self.name, 'nova-cells')}
        wanted = {(self.name, f'nova-{binary}')
                  for binary in ('cells', 'scheduler', 'network')}
        wanted |= {(host, 'nova-compute') for host in self.compute_hosts}
        return wanted


def plan_cells(tree: str, prefix: str,
               conf_dir: pathlib.Path) -> list[CellPlan]:
    """The plan of every cell of ``tree`` (a spec with its counts spelt
    out), its resources named ``<prefix>_<cell>``."""
    cells: list[CellPlan] = []
    levels: dict[str, int] = {}
    computing = 0
    for spec in parse_tree(tree):
        name = spec.name
        # Below the deepest of its parents: it starts after them all.
        levels[name] = max((levels[p] + 1 for p in spec.parents),
                           default=0)
        fixed_range = None
        if spec.computes:
            computing += 1  # at most MAX_CELLS: fits 10.<n>
            fixed_range = f'10.{computing}.0.0/24'
        cells.append(CellPlan(
            name, spec.parent is None, f'{prefix}_{name}',
            f'{prefix}_{name}', str(conf_dir / f'{name}.conf'),
            fixed_range=fixed_range,
            compute_hosts=[f'{name}-compute{i}'
                           for i in range(1, spec.computes + 1)],
            parent=spec.parent, children=list(spec.children),
            level=levels[name], parents=list(spec.parents)))
    return cells
