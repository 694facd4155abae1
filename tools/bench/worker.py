#!/usr/bin/env python3
"""A benchmark's helper process: ``worker.py MODE [options]``.

Started by the benchmarks (never by hand) so that each side of a
measurement is a process of its own, as in a deployment.  A worker that
measures prints one JSON document as its last line on stdout; its logs
go to stderr.  Modes:

``raw-server``   an oslo.messaging RPC server with a no-op ``ping``
``raw-client``   sequential calls, concurrent calls and cast bursts to it
``cells-driver`` the same through the cells machinery, acting as the API
                 cell (targeted messages down a path, or broadcasts)
``sync-writer``  changes instances in a child cell's database at a fixed
                 rate through the cell's own code path
"""

from __future__ import annotations

import pathlib
import sys

# Python put this script's folder first on sys.path: put tools/ there
# instead, so that ``bench`` imports as a package (never the repository
# root, which is the nova package and would hide the standard library's
# cmd module).
sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    mode, args = argv[0], argv[1:]
    import nova  # noqa: F401  (selects the threading backend first)
    if mode in ('raw-server', 'raw-client', 'cells-driver'):
        from bench import routing_worker
        return routing_worker.main(mode, args)
    if mode == 'sync-writer':
        from bench import sync_latency
        return sync_latency.writer_main(args)
    print(f'unknown mode {mode!r}', file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
