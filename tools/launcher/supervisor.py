"""The daemons of a deployment: started, signalled, reaped and recorded.

A :class:`Supervisor` starts each daemon in its own process group with
its output appended to its log, and records it as a
:class:`ManagedProcess` (pid and ``/proc`` start time).  Processes are
only ever signalled by that recorded pid, and only while ``/proc`` still
shows the same process, never by name.  Every change of the records is
handed to an ``on_change`` callback, which persists them.  :func:`tail`
is the one reader of log ends; :func:`free_port` the one port picker.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import os
import pathlib
import signal
import socket
import subprocess
import time

from nova.tools.launcher.errors import LauncherError


@dataclasses.dataclass
class ManagedProcess:
    """A daemon the launcher started, as recorded in the state file."""

    name: str
    cell: str
    argv: list[str]
    log: str
    pid: int = 0
    starttime: str = ''

    def is_alive(self) -> bool:
        """Still running, and still the process that was started."""
        return proc_identity(self.pid) == self.starttime != ''


def proc_identity(pid: int) -> str:
    """The start time of ``pid`` from /proc; '' if gone or a zombie."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            stat = f.read()
    except OSError:
        return ''
    # The command name (2nd field) may hold spaces: split after its ')'.
    fields = stat[stat.rindex(')') + 2:].split()
    if fields[0] in ('Z', 'X'):
        return ''
    return fields[19]  # field 22 of stat(5), the start time


def signal_recorded(pid: int, starttime: str, signum: int) -> None:
    """Signal the process group that ``pid`` leads (everything the
    launcher starts leads its own: start_new_session), if ``/proc`` still
    shows the process recorded with ``starttime``."""
    if proc_identity(pid) != starttime or not starttime:
        return
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass


def tail(path: str | os.PathLike[str], lines: int) -> str:
    """The last ``lines`` lines of a log, or why it cannot be read (a
    failure report must not fail on a missing log)."""
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError as exc:
        return f'<cannot read {path}: {exc}>'


def free_port(host: str = '127.0.0.1') -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class Supervisor:
    """The recorded daemons of one deployment, run from ``workdir``."""

    def __init__(self, workdir: pathlib.Path,
                 on_change: Callable[[], None],
                 out: Callable[[str], None]) -> None:
        self.workdir = workdir
        self.processes: list[ManagedProcess] = []
        self._on_change = on_change
        self._out = out
        # Our children, so that they are reaped and /proc shows them gone.
        self._popen: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, proc: ManagedProcess) -> ManagedProcess:
        """Start ``proc.argv`` (its log appended to) and record it."""
        with open(proc.log, 'ab') as log_file:
            popen = subprocess.Popen(
                proc.argv, stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT, cwd=self.workdir,
                start_new_session=True, close_fds=True)
        proc.pid = popen.pid
        proc.starttime = proc_identity(popen.pid)
        self._popen[popen.pid] = popen
        self.processes.append(proc)
        self._on_change()
        return proc

    def find(self, name: str) -> ManagedProcess:
        """The recorded daemon called ``name``, e.g. ``'cell1-cells'``."""
        for proc in self.processes:
            if proc.name == name:
                return proc
        raise LauncherError(f'no daemon {name!r} recorded; known: '
                            + ', '.join(p.name for p in self.processes))

    def dead(self) -> list[ManagedProcess]:
        """The recorded daemons that no longer run."""
        for popen in self._popen.values():
            popen.poll()  # reap, so that /proc shows it gone
        return [p for p in self.processes if not p.is_alive()]

    def send_signal(self, proc: ManagedProcess, signum: int) -> None:
        """Signal ``proc``'s process group, if it is still that process."""
        signal_recorded(proc.pid, proc.starttime, signum)

    def wait_gone(self, procs: list[ManagedProcess], timeout: float,
                  interval: float) -> bool:
        """Whether every one of ``procs`` ended within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            dead = self.dead()
            if all(p in dead for p in procs):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(interval)

    def kill(self, name: str, signum: int = signal.SIGKILL,
             timeout: float = 30.0) -> ManagedProcess:
        """Signal one daemon and wait until it is gone; its record stays,
        so that :meth:`restart` can start it again."""
        proc = self.find(name)
        self.send_signal(proc, signum)
        if not self.wait_gone([proc], timeout, 0.05):
            raise LauncherError(f'{name} (pid {proc.pid}) still runs '
                                f'{timeout:.0f}s after signal {signum}')
        return proc

    def stop(self, name: str, grace: float = 20.0) -> None:
        """SIGTERM, SIGKILL after ``grace``, then forget daemon ``name``."""
        proc = self.find(name)
        try:
            self.kill(name, signal.SIGTERM, timeout=grace)
        except LauncherError:
            self.kill(name, signal.SIGKILL)
        self._forget(proc)
        self._on_change()

    def restart(self, name: str, grace: float = 20.0) -> ManagedProcess:
        """Start daemon ``name`` again with the same command line
        (stopping it first if it still runs); returns the new record."""
        old = self.find(name)
        if old.is_alive():
            self.send_signal(old, signal.SIGTERM)
            if not self.wait_gone([old], grace, 0.1):
                self.kill(name)
        self._forget(old)
        return self.start(ManagedProcess(name=old.name, cell=old.cell,
                                         argv=list(old.argv), log=old.log))

    def _forget(self, proc: ManagedProcess) -> None:
        self.processes.remove(proc)
        self._popen.pop(proc.pid, None)

    def stop_all(self, grace: float) -> list[str]:
        """SIGTERM every daemon, SIGKILL those alive after ``grace``;
        forgets the ones that ended and names the ones that did not."""
        alive = [p for p in self.processes if p.is_alive()]
        for proc in alive:
            self.send_signal(proc, signal.SIGTERM)
        self.wait_gone(alive, grace, 0.2)
        stubborn = [p for p in alive if p.is_alive()]
        for proc in stubborn:
            self._out(f'{proc.name} (pid {proc.pid}) ignored SIGTERM for '
                      f'{grace:.0f}s: killing it')
            self.send_signal(proc, signal.SIGKILL)
        self.wait_gone(stubborn, 5.0, 0.1)
        errors = [f'{p.name} (pid {p.pid}) survived SIGKILL'
                  for p in self.processes if p.is_alive()]
        self.processes = [p for p in self.processes if p.is_alive()]
        self._popen = {pid: po for pid, po in self._popen.items()
                       if po.poll() is None}
        self._on_change()
        return errors
