"""What the benchmarks share: statistics, /proc sampling, background
threads, worker processes and a keep-alive REST client (deployments are
in :mod:`nova.tools.bench.deploy`, the report in
:mod:`nova.tools.bench.report`).

Nothing here asserts anything about performance: the benchmarks measure
and the report prints what was measured, side by side in one run.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import contextlib
import dataclasses
import http.client
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
from typing import Any
from typing import Self
import uuid

from nova.tools.launcher import tail

BENCH_DIR = pathlib.Path(__file__).resolve().parent
TOOLS_DIR = BENCH_DIR.parent
REPO = TOOLS_DIR.parent
RESULTS_DIR = BENCH_DIR / 'results'
PYTHON = sys.executable
TOKEN = 'admin:admin'
CLK_TCK = os.sysconf('SC_CLK_TCK')


@dataclasses.dataclass
class Context:
    """What every benchmark is given: the size and where to write."""

    quick: bool
    outdir: pathlib.Path
    # deployments' configs and logs, worker logs
    workroot: pathlib.Path
    # shared between benchmarks that run on one deployment
    shared: dict[str, Any] = dataclasses.field(default_factory=dict)

    def pick(self, quick: Any, full: Any) -> Any:
        return quick if self.quick else full


def say(line: str) -> None:
    """Progress on stderr, timestamped (the report goes to files)."""
    print(time.strftime('%H:%M:%S ') + line, file=sys.stderr, flush=True)


# -- statistics --------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100), linear between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: list[float]) -> dict[str, float | int]:
    """n, p50, p90, p99, mean and max of durations, in milliseconds."""
    if not seconds:
        return {'n': 0}
    return {'n': len(seconds),
            'p50_ms': round(percentile(seconds, 50) * 1000, 3),
            'p90_ms': round(percentile(seconds, 90) * 1000, 3),
            'p99_ms': round(percentile(seconds, 99) * 1000, 3),
            'mean_ms': round(sum(seconds) / len(seconds) * 1000, 3),
            'max_ms': round(max(seconds) * 1000, 3)}


def ratio(value: float | None, base: float | None) -> float | None:
    if not value or not base:
        return None
    return round(value / base, 3)


def fmt_ms(summary: dict[str, Any], keys: tuple[str, ...] = ('p50', 'p99')
           ) -> str:
    if not summary.get('n'):
        return 'no samples'
    return ' '.join(f'{k} {summary[k + "_ms"]:.1f} ms' for k in keys)


# -- /proc -------------------------------------------------------------------

def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (its threads included)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(')') + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int | None:
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def mem_available() -> int:
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) * 1024
    return 0


def pids_by_comm(*names: str) -> dict[str, int]:
    """comm -> pid of running processes with those names (to read their
    CPU, e.g. the broker and the database; never to signal them)."""
    found: dict[str, int] = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/comm') as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in names and comm not in found:
            found[comm] = int(entry)
    return found


class CpuMeter:
    """CPU seconds each named process spends between start and stop."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = dict(pids)
        self._start: dict[str, float] = {}
        self.wall = 0.0
        self._t0 = 0.0

    def start(self) -> CpuMeter:
        self._t0 = time.monotonic()
        self._start = {name: cpu_seconds(pid) or 0.0
                       for name, pid in self.pids.items()}
        return self

    def stop(self) -> dict[str, float]:
        self.wall = time.monotonic() - self._t0
        return {name: round((cpu_seconds(pid) or 0.0)
                            - self._start.get(name, 0.0), 3)
                for name, pid in self.pids.items()}


class Background:
    """A daemon thread running :meth:`_run` while a ``with`` block runs.

    ``__enter__`` starts it; ``__exit__`` sets ``self._stop`` (which
    :meth:`_run` polls or waits on), joins the thread, then calls
    :meth:`_close` for what the loop held (a database connection)::

        class Poller(Background):
            def _run(self) -> None:
                while not self._stop.wait(0.5):
                    ...

        with Poller() as poller:
            ...
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        """Release what the loop used, once it has ended."""

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._close()


class RssSampler(Background):
    """Samples RSS and CPU of some processes in a thread."""

    def __init__(self, pids: dict[str, int], interval: float = 0.5) -> None:
        super().__init__()
        self.pids = pids
        self.interval = interval
        self.rss: dict[str, list[int]] = {name: [] for name in pids}

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                value = rss_bytes(pid)
                if value is not None:
                    self.rss[name].append(value)
            self._stop.wait(self.interval)

    def peak_mib(self, name: str) -> float:
        values = self.rss.get(name) or [0]
        return round(max(values) / 2**20, 1)


# -- worker processes --------------------------------------------------------

@dataclasses.dataclass
class Worker:
    """A bench worker process (``worker.py MODE``), stopped by its pid."""

    mode: str
    popen: subprocess.Popen[str]
    log: pathlib.Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait for the worker's first stdout line ({"ready": true})."""
        assert self.popen.stdout is not None
        box: list[str] = []
        reader = threading.Thread(
            target=lambda: box.append(self.popen.stdout.readline()),  # type: ignore[union-attr]
            daemon=True)
        reader.start()
        reader.join(timeout)
        if not box or '"ready"' not in box[0]:
            self.stop()
            raise RuntimeError(f'worker {self.mode} not ready:\n'
                               + tail(str(self.log), 20))

    def result(self, timeout: float) -> dict[str, Any]:
        """The JSON its last stdout line holds, once it exited."""
        try:
            out, _ = self.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f'worker {self.mode} took longer than '
                               f'{timeout:.0f}s; see {self.log}') from None
        lines = [line for line in out.splitlines() if line.startswith('{')]
        if self.popen.returncode != 0 or not lines:
            raise RuntimeError(
                f'worker {self.mode} failed (exit {self.popen.returncode})'
                f':\n{tail(str(self.log), 20)}')
        return json.loads(lines[-1])  # type: ignore[no-any-return]

    def stop(self, grace: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)


def start_worker(mode: str, args: list[str], logdir: pathlib.Path
                 ) -> Worker:
    logdir.mkdir(parents=True, exist_ok=True)
    log = logdir / f'worker-{mode}-{uuid.uuid4().hex[:4]}.log'
    with open(log, 'w') as err:
        # -P: the working directory stays off sys.path.
        popen = subprocess.Popen(
            [PYTHON, '-P', '-m', 'nova.tools.bench.worker', mode, *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
            text=True, cwd=str(REPO.parent), start_new_session=True)
    return Worker(mode, popen, log)


@contextlib.contextmanager
def workers() -> Iterator[list[Worker]]:
    """A list to add workers to; whatever is still running is stopped."""
    started: list[Worker] = []
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


# -- REST --------------------------------------------------------------------

class Rest:
    """A minimal JSON client of nova-api: one keep-alive connection per
    thread."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        host_port = base_url.split('://', 1)[1].rstrip('/')
        self.host, _, port = host_port.partition(':')
        self.port = int(port or 80)
        self.timeout = timeout
        self._local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, 'conn', None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port,
                                              timeout=self.timeout)
            self._local.conn = conn
        return conn

    def fetch(self, method: str, path: str,
              body: dict[str, Any] | None = None) -> tuple[int, bytes]:
        """Status and raw body: the latency a client sees ends here, with
        the last byte received; parsing the JSON is the client's work."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {'X-Auth-Token': TOKEN, 'Accept': 'application/json',
                   'Content-Type': 'application/json'}
        for attempt in (1, 2):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError('unreachable')

    @staticmethod
    def parse(raw: bytes) -> Any:
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode(errors='replace')

    def request(self, method: str, path: str,
                body: dict[str, Any] | None = None) -> tuple[int, Any]:
        status, raw = self.fetch(method, path, body)
        return status, self.parse(raw)

    def get(self, path: str) -> Any:
        status, body = self.request('GET', path)
        if status != 200:
            raise RuntimeError(f'GET {path}: {status} {body}')
        return body


def poll_until(what: str, timeout: float, check: Callable[[], bool],
               interval: float = 0.5) -> float:
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout:
            raise TimeoutError(f'{what}: not done after {timeout:.0f}s')
        time.sleep(interval)
    return time.monotonic() - began
