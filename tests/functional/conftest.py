import pytest

from nova.tools import inproc_tree


@pytest.fixture
def tree_factory(tmp_path):
    trees = []

    def make(cells=None, **kwargs):
        tree = inproc_tree.Tree(str(tmp_path),
                                cells or inproc_tree.TWO_CHILDREN, **kwargs)
        trees.append(tree)
        return tree.start()

    yield make
    for tree in trees:
        tree.stop()


@pytest.fixture
def tree(tree_factory):
    """An API cell with two child cells, API service excluded."""
    t = tree_factory(services={'api': ['cells']})
    t.wait_for_capacities('api', ['cell1', 'cell2'])
    return t
