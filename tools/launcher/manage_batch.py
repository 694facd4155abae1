"""Several ``nova-manage`` commands of one cell in one interpreter.

``up`` runs a ``db sync`` and a ``cell create`` per neighbour for every
cell: as separate ``nova-manage`` processes that is three interpreters
importing nova per child cell, most of a big tree's time to come up.
This runs a cell's commands one after the other in one process, each as
``nova-manage`` would (:func:`nova.cmd.manage.main`, a private
configuration each time).  The commands come as a JSON list of argument
lists on stdin (they hold transport URLs: never on a command line that
``ps`` shows); it stops at the first failure with its exit status.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    from nova.cmd import manage
    commands = json.load(sys.stdin)
    for argv in commands:
        status = manage.main([str(a) for a in argv])
        if status:
            return status
    return 0


if __name__ == '__main__':
    sys.exit(main())
