#!/usr/bin/env python3
"""A benchmark's helper process:
``python -P -m nova.tools.bench.worker MODE [options]``.

Started by the benchmarks (never by hand) so that each side of a
measurement is a process of its own, as in a deployment.  A worker that
measures prints one JSON document as its last line on stdout; its logs
go to stderr.  Modes:

``raw-server``   an oslo.messaging RPC server with a no-op ``ping``
``raw-client``   sequential calls, concurrent calls and cast bursts to it
``cells-driver`` the same through the cells machinery, acting as the API
                 cell (targeted messages down a path, or broadcasts)
``paired-driver`` both in one process, in rounds: each routed burst
                 between two raw ones
``sync-writer``  changes instances in a child cell's database at a fixed
                 rate through the cell's own code path
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    mode, args = argv[0], argv[1:]
    if mode in ('raw-server', 'raw-client', 'cells-driver',
                'paired-driver'):
        from nova.tools.bench import routing_worker
        return routing_worker.main(mode, args)
    if mode == 'sync-writer':
        from nova.tools.bench import sync_latency
        return sync_latency.writer_main(args)
    print(f'unknown mode {mode!r}', file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
