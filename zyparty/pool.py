"""Forked worker processes for CPU-bound work over a list, in stripes (plumbing: it knows nothing of what the work is;
the ledger import checks its rows with it, PERFORMANCE.md).

:class:`Stripes` cuts ``items`` into stripes and forks ``processes - 1`` workers; the workers and the calling process
alike claim the next stripe when they are free (a process slowed by the database or by the machine simply takes
fewer), and :meth:`Stripes.results` hands back ``work(stripe)`` per stripe, in the order of ``items``, as soon as each
stripe and every one before it is done — so a consumer can write results in file order while later stripes are still
being worked on. Faults stay local: a worker whose ``work`` raises says so and stops; one that dies just closes its
pipe; either way the stripes it had claimed are done by the calling process. When the calling process fails (or
stops early), leaving the ``with`` block ends the workers with SIGKILL and reaps them, so none is left blocked on a
pipe nobody reads.

The children are forked and nothing is pickled on the way in: ``work`` and ``items`` are inherited (copy-on-write,
with the collector's heap frozen around the fork so it does not touch them); only each stripe's result comes back,
pickled, through a pipe read by a thread of the calling process (so a worker never waits for the caller to be free).
A child is given no database connection (any query through Django raises; it leaves with ``os._exit``, so the socket
it inherited is never closed).

Why not a library pool (checked with Python 3.11, billiard 4.3, Celery 5): large imports run in Celery's prefork
workers, which are daemonic processes, and there ``multiprocessing.Process`` and
``concurrent.futures.ProcessPoolExecutor`` refuse to start ("daemonic processes are not allowed to have children").
billiard (Celery's own fork of multiprocessing) may start them, but its ``Pool.imap``/``map_async`` — like the
standard library's ``Pool`` — wait forever for a task whose worker died, and ``ProcessPoolExecutor`` turns every
pending task into ``BrokenProcessPool``. None of them lets the submitting process take tasks from the same queue: on
the two cores the county's servers have, the calling process would sit idle beside one worker, or a third process
would compete for the two cores. And each pickles every task's arguments on the way in, where a fork shares them.
Hence this module, over ``os.fork`` and pipes.
"""

import contextlib
import fcntl
import functools
import gc
import heapq
import logging
import math
import os
import pickle  # nosec B403 - only results from this process's own forked workers are unpickled
import queue
import signal
import struct
import threading

from django.db import connections

logger = logging.getLogger(__name__)

MOST_STRIPES = 1_024  # stripe numbers a pipe surely holds (one page; 64 KiB unless the system is short of buffers)
_HEADER = struct.Struct("<IQ")  # stripe number, then the length of the pickled result, or one of these two:
_CLAIMED = 2**64 - 1  # the worker has taken the stripe
_FAILED = 2**64 - 2  # its work raised (or its result could not be pickled): the worker stops


def process_count(items, *, minimum, most) -> int:
    """Processes worth using for ``items`` things: 1 below ``minimum`` (forking costs more than it saves), where the
    system cannot fork, or in a process running other threads (forking beside them is not safe: e.g. a threaded web
    worker); else one per core, ``most`` at most."""
    if items < minimum or not hasattr(os, "fork") or threading.active_count() > 1:
        return 1
    return max(1, min(most, os.cpu_count() or 1))


class Stripes:
    """``work`` over ``items`` in stripes of about ``step`` items, by this process and ``processes - 1`` forked
    workers (module docstring). Use it as a context manager, and read :meth:`results` inside it."""

    def __init__(self, work, items, *, processes, step):
        count = len(items)
        step = max(1, min(step, math.ceil(count / max(1, processes))))  # every process can have one
        self.step = max(step, math.ceil(count / MOST_STRIPES))
        self.work = work
        self.stripes = [items[start:start + self.step] for start in range(0, count, self.step)]
        self.done = 0  # items whose stripe has a result (in any order): for progress bars
        self._inbox = queue.SimpleQueue()
        self._workers = []
        self._claims = _Claims(len(self.stripes))
        try:
            with _frozen_heap():
                for _n in range(min(processes - 1, len(self.stripes) - 1)):
                    worker = _Worker.fork(len(self._workers), functools.partial(_serve, work, self.stripes,
                                                                                self._claims))
                    if worker is not None:
                        self._workers.append(worker)
            self._claims.close_for_writing()
            for worker in self._workers:  # threads only once every child is forked
                worker.receive_into(self._inbox)
        except BaseException:  # e.g. no file descriptor left for a pipe: the workers forked so far are ended
            self.stop()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def workers(self) -> int:
        return len(self._workers)

    def results(self):
        """``(index, work(stripes[index]))`` for every stripe, in order. While the next one is not ready, this process
        works on a stripe of its own: one a failed worker left, else the next unclaimed one; with none left, it waits
        for the workers."""
        ready, redo, taken = {}, [], {worker.key: set() for worker in self._workers}
        running = len(self._workers)
        upcoming = 0

        def absorb(wait):
            nonlocal running
            while running:
                try:
                    key, index, result = self._inbox.get(block=wait)
                except queue.Empty:
                    return
                wait = False
                if index is None:  # the worker has ended: whatever it had claimed is redone here
                    running -= 1
                    for lost in taken.pop(key):
                        heapq.heappush(redo, lost)
                elif result is _Claimed:
                    taken[key].add(index)
                elif result is _Failed:
                    logger.warning("a forked worker failed on stripe %d; the calling process does it", index)
                    taken[key].discard(index)
                    heapq.heappush(redo, index)
                else:
                    taken[key].discard(index)
                    self._finish(ready, index, result)

        while upcoming < len(self.stripes):
            if upcoming in ready:
                yield upcoming, ready.pop(upcoming)
                upcoming += 1
                continue
            absorb(wait=False)
            if upcoming in ready:
                continue
            index = heapq.heappop(redo) if redo else self._claims.take()
            if index is None and running:
                absorb(wait=True)
                continue
            if index is None:  # claimed by a worker that died before saying so
                index = upcoming
            self._finish(ready, index, self.work(self.stripes[index]))

    def _finish(self, ready, index, result):
        ready[index] = result
        self.done += len(self.stripes[index])

    def stop(self):
        """End and reap the workers (done already, or abandoned because this process failed); idempotent."""
        self._claims.close()
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()


class _Claimed:
    pass


class _Failed:
    pass


def _serve(work, stripes, claims, out):
    """A forked worker's loop: claim a stripe, say so, work on it, send the result; stop after a failure."""
    claims.close_for_writing()
    while (index := claims.take()) is not None:
        out.write(_HEADER.pack(index, _CLAIMED))
        out.flush()
        try:
            payload = pickle.dumps(work(stripes[index]), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - the calling process does the stripe itself
            out.write(_HEADER.pack(index, _FAILED))
            out.flush()
            return
        out.write(_HEADER.pack(index, len(payload)))
        out.write(payload)
        out.flush()


class _Claims:
    """Stripe numbers handed to whichever process asks first: a pipe holding every number once (4 bytes each; a read
    of 4 bytes from a pipe is atomic), read by the calling process and its forked workers. Once no write end is left
    open, an empty pipe reads as the end."""

    def __init__(self, count):
        assert count <= MOST_STRIPES
        self._read, self._write = os.pipe()
        if count:
            os.write(self._write, struct.pack(f"<{count}I", *range(count)))

    def close_for_writing(self):
        if self._write is not None:
            os.close(self._write)
            self._write = None

    def take(self):
        if self._read is None:
            return None
        data = os.read(self._read, 4)
        return struct.unpack("<I", data)[0] if data else None

    def close(self):
        for fd in (self._read, self._write):
            if fd is not None:
                os.close(fd)
        self._read = self._write = None


class _Worker:
    """A forked child running ``main(out)``; a thread of this process receives what it sends."""

    def __init__(self, key, pid, fd):
        self.key, self.pid, self.fd = key, pid, fd
        self.thread = None

    @classmethod
    def fork(cls, key, main):
        """The child, or None when the system cannot fork."""
        read_end, write_end = os.pipe()
        _widen(write_end)
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child
            os.close(read_end)
            try:
                with _no_queries(), os.fdopen(write_end, "wb") as out:
                    main(out)
            except BaseException:  # noqa: BLE001 - its pipe just ends: the calling process does its stripes
                pass
            finally:
                os._exit(0)
        os.close(write_end)
        return cls(key, pid, read_end)

    def receive_into(self, inbox):
        self.thread = threading.Thread(target=self._receive, args=(inbox,), name="zyparty-pool-worker", daemon=True)
        self.thread.start()

    def _receive(self, inbox):
        try:
            with os.fdopen(self.fd, "rb") as source:
                while len(header := source.read(_HEADER.size)) == _HEADER.size:
                    index, size = _HEADER.unpack(header)
                    if size == _CLAIMED:
                        inbox.put((self.key, index, _Claimed))
                        continue
                    if size == _FAILED:
                        inbox.put((self.key, index, _Failed))
                        continue
                    payload = source.read(size)
                    if len(payload) < size:
                        break
                    inbox.put((self.key, index, pickle.loads(payload)))  # nosec B301 - from this process's own forked worker
        except Exception:  # noqa: BLE001 - a result that does not unpickle: as if the worker had died
            logger.warning("a forked worker's result could not be read; the calling process redoes its stripes")
        finally:
            inbox.put((self.key, None, None))

    def stop(self):
        """SIGKILL (the child holds nothing to clean up, and a Celery process's own SIGTERM handler must not run in
        it), then reap it and its receiving thread."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.thread is not None:
            self.thread.join()
        else:
            os.close(self.fd)
        os.waitpid(self.pid, 0)


@contextlib.contextmanager
def _frozen_heap():
    """Around forking: the shared items stay shared, as the children's collector does not touch the parent's objects
    (no collection first: it would take 0.15 s of a 100,000-row import for the little garbage there is)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _widen(fd):
    """A pipe as wide as the system allows (Linux: 1 MiB unless raised), so that a worker hands over a stripe's result
    in one write instead of waiting, 64 KiB at a time, for the receiving thread of its parent to get the GIL."""
    try:
        with open("/proc/sys/fs/pipe-max-size") as limit:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, int(limit.read()))
    except (AttributeError, OSError, ValueError):
        pass  # not Linux, or no room: the default width works, only slower


@contextlib.contextmanager
def _no_queries():
    """In a forked child: every database connection it inherited refuses queries (the parent owns the sockets)."""
    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(_refuse_query))
        yield


def _refuse_query(execute, sql, params, many, context):
    raise RuntimeError("a forked worker tried to query the database")
