"""The forked worker processes of an import's row checks: ``fork_map`` (fixed chunks: previews, SQLite commits)
and :class:`Stripes` (claimed stripes: large PostgreSQL commits)."""

import contextlib
import fcntl
import functools
import gc
import logging
import os
import pickle  # nosec B403 - only this process's own forked workers' results are unpickled
import queue
import select
import signal
import struct
import threading

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
COPY_STEP = 2_000  # rows in a stripe: claimed, checked and handed to the COPY at a time (ImportRun._check_and_write)


def worker_count(rows) -> int:
    """Processes for the row checks: 1 below ``IMPORT_PARALLEL_MIN_ROWS`` rows (forking costs more than it saves) or
    in a process running other threads, else one per core up to ``IMPORT_WORKERS``. Large files reach this in the
    Celery worker or ``manage.py import_ledger``; a web request hands them to a job first (IMPORT_ASYNC_ROWS)."""
    if rows < getattr(settings, "IMPORT_PARALLEL_MIN_ROWS", 10_000) or not hasattr(os, "fork"):
        return 1
    if threading.active_count() > 1:  # e.g. a threaded web worker: forking beside other threads is not safe
        return 1
    return max(1, min(getattr(settings, "IMPORT_WORKERS", 4), os.cpu_count() or 1))


def split(items, parts):
    size = -(-len(items) // parts) if items else 0
    chunks = [items[i:i + size] for i in range(0, len(items), size)] if size else [items]
    return chunks or [[]]


def fork_map(check, chunks):
    """``check(chunks[0])`` here and ``check(chunk, in_child=True)`` for the others in forked children; the results
    in the order of ``chunks``."""
    if len(chunks) == 1:
        return [check(chunks[0])]
    children = _fork_start(check, chunks[1:])
    try:
        results = [check(chunks[0])]
        return results + [child.result() for child in children]
    finally:
        for child in children:  # after an error here: children stopped and reaped, never left blocked on a pipe
            child.stop()


class _Child:
    """A forked worker checking ``chunk``; :meth:`result` waits for what it found. A child that failed for any reason
    (or could not be forked) has its chunk redone here."""

    def __init__(self, check, chunk, pid, fd):
        self.check, self.chunk, self.pid, self.fd = check, chunk, pid, fd
        self.reaped = pid is None

    def stop(self):
        """End and reap a child whose result will not be read (nothing when it was)."""
        if not self.reaped:
            self.reaped = True
            _end(self.pid)
            os.close(self.fd)

    def ready(self) -> bool:
        """The child has finished (its result can be read without waiting long)."""
        return self.pid is None or bool(select.select([self.fd], [], [], 0)[0])

    def result(self):
        outcome = ("error", "fork failed")
        if self.pid is not None:
            self.reaped = True
            with os.fdopen(self.fd, "rb") as source:
                data = source.read()
            os.waitpid(self.pid, 0)
            try:
                outcome = pickle.loads(data)  # nosec B301 - the pickle comes through a pipe from this process's own forked worker
            except Exception:  # noqa: BLE001 - a child that died mid-write
                outcome = ("error", "no result")
        if outcome[0] != "ok":
            logger.warning("import worker failed (%s); checking its rows in the main process", outcome[1])
            outcome = ("ok", self.check(self.chunk, in_child=True))
        return outcome[1]


def _fork_start(check, chunks):
    """A forked child per chunk running ``check(chunk, in_child=True)``, which sends its result, pickled, through a
    pipe when done (:func:`_fork`)."""
    children = []
    with _frozen_heap():
        for chunk in chunks:
            forked = _fork(functools.partial(_send_result, check, chunk))
            children.append(_Child(check, chunk, *(forked or (None, None))))
    return children


def _send_result(check, chunk, out):
    try:
        payload = pickle.dumps(("ok", check(chunk, in_child=True)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which redoes the chunk
        payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
    out.write(payload)


@contextlib.contextmanager
def _frozen_heap():
    """Around forking: the shared rows stay shared, as the children's collector does not touch the parent's
    objects (no collection first: it would take 0.15 s of a 100,000-row import for the little garbage there is)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _fork(main):
    """``main(out)`` in a forked child (os.fork, not multiprocessing: Celery's pool processes are daemonic and may
    not start multiprocessing children), ``out`` being the write end of a pipe whose read end is returned with the
    pid — or None when the system cannot fork. A child must not use the parent's database connection: it is given
    none (any query raises), and leaves with os._exit so the inherited socket is never closed."""
    read_end, write_end = os.pipe()
    _widen(write_end)
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # child
        os.close(read_end)
        try:
            with connection.execute_wrapper(_no_queries_in_child), os.fdopen(write_end, "wb") as out:
                main(out)
        except BaseException:  # noqa: BLE001 - the parent sees the pipe end early and does the work itself
            pass
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def _widen(fd):
    """A pipe as wide as the system allows (Linux: 1 MiB unless raised), so that a worker hands over a stripe's COPY
    text in one write instead of waiting, 64 KiB at a time, for the receiving thread of its parent to get the GIL."""
    try:
        with open("/proc/sys/fs/pipe-max-size") as limit:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, int(limit.read()))
    except (AttributeError, OSError, ValueError):
        pass  # not Linux, or no room: the default width works, only slower


class _Claims:
    """Stripe numbers handed to whichever process asks first: a pipe holding every number once (4 bytes each; a
    read of 4 bytes from a pipe is atomic), read by this process and its forked workers."""

    MOST = 1_024  # what a pipe surely holds (one page; 64 KiB unless the system is short of pipe buffers)

    def __init__(self, count):
        assert count <= self.MOST
        self._read, self._write = os.pipe()
        os.write(self._write, struct.pack(f"<{count}I", *range(count)))

    def close_for_writing(self):
        """After forking: with no write end left open, an empty pipe reads as the end."""
        os.close(self._write)
        self._write = None

    def take(self):
        data = os.read(self._read, 4)
        return struct.unpack("<I", data)[0] if data else None

    def close(self):
        for fd in (self._read, self._write):
            if fd is not None:
                os.close(fd)
        self._read = self._write = None


def _check_stripes(check, stripes, claims, out):
    """A forked worker's loop: claim a stripe, check it, send ``(index, findings)``; ``(index, None)`` when the check
    failed (the parent redoes the stripe)."""
    claims.close_for_writing()
    while (index := claims.take()) is not None:
        try:
            found = check(stripes[index], in_child=True)
        except Exception:  # noqa: BLE001 - the parent checks the stripe itself and reports its errors
            found = None
        payload = pickle.dumps((index, found), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(struct.pack("<Q", len(payload)))
        out.write(payload)
        out.flush()
        if found is None:
            return


class _Worker:
    """A forked worker of :func:`_check_stripes`; a thread of this process receives what it sends, so that it never
    waits for this process to read."""

    def __init__(self, pid, fd):
        self.pid, self.fd = pid, fd
        self.thread = None

    def receive_into(self, inbox):
        self.thread = threading.Thread(target=self._receive, args=(inbox,), name="zyparty-import-worker",
                                       daemon=True)
        self.thread.start()

    def _receive(self, inbox):
        try:
            with os.fdopen(self.fd, "rb") as source:
                while len(header := source.read(8)) == 8:
                    size = struct.unpack("<Q", header)[0]
                    payload = source.read(size)
                    if len(payload) < size:
                        break
                    inbox.put(pickle.loads(payload))  # nosec B301 - from this process's own forked worker
        finally:
            inbox.put(None)

    def stop(self):
        """End the worker — it has sent all it will, or this process gave up early (the COPY failed) — and reap it."""
        _end(self.pid, reap=False)
        if self.thread is not None:
            self.thread.join()
        else:
            os.close(self.fd)
        os.waitpid(self.pid, 0)


def _end(pid, reap=True):
    """SIGKILL a forked worker (it holds nothing to clean up, and a Celery process's own SIGTERM handler must not run
    in it), and reap it."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if reap:
        os.waitpid(pid, 0)


class Stripes:
    """``work`` cut into stripes of COPY_STEP rows (or more, for :class:`_Claims`), and ``parts - 1`` forked workers
    running ``check`` on the stripes they claim (:func:`_check_stripes`); the caller claims its own from ``claims``."""

    def __init__(self, check, work, parts):
        self.step = max(COPY_STEP, -(-len(work) // _Claims.MOST))
        self.rows = [work[start:start + self.step] for start in range(0, len(work), self.step)]
        self.claims = _Claims(len(self.rows))
        self.workers = []
        try:
            with _frozen_heap():
                for _n in range(parts - 1):
                    forked = _fork(functools.partial(_check_stripes, check, self.rows, self.claims))
                    if forked is not None:
                        self.workers.append(_Worker(*forked))
        except BaseException:  # e.g. no file descriptor left for a pipe: the workers forked so far are ended
            self.stop()
            raise
        self.claims.close_for_writing()

    def receive(self):
        """A queue receiving ``(stripe, findings)`` from the workers, and None when one has finished."""
        inbox = queue.SimpleQueue()
        for worker in self.workers:
            worker.receive_into(inbox)
        return inbox

    def stop(self):
        self.claims.close()
        for worker in self.workers:
            worker.stop()
        self.workers = []


def _no_queries_in_child(execute, sql, params, many, context):
    raise RuntimeError("a forked import worker tried to query the database")
