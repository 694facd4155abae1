"""Developer tools of the cells control plane (``nova.tools``).

:mod:`.launcher` runs a whole tree as separate daemons on RabbitMQ and
MariaDB (``tools/launch``); :mod:`.faults` injects faults into one cell
of such a deployment; :mod:`.inproc_tree` runs a whole tree in one
process (the functional tests and :mod:`.soak` use it);
:mod:`.message_faults` drops, duplicates and delays inter-cell messages;
:mod:`.bench` measures the stack (``tools/bench/run``).  The services
import none of it.
"""
