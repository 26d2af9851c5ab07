"""zyparty.pool: forked workers claim stripes, results come back in order, faults stay local, nothing is left behind.
(The ledger import's own tests check the same through an import: ledgers/tests/test_import.py.)"""

import os
import time

import pytest
from django.contrib.auth.models import Group

from zyparty import pool


def _pid_and_sum(stripe):
    return os.getpid(), sum(stripe)


def _no_child_left():
    with pytest.raises(ChildProcessError):  # no child left, running or unreaped
        os.waitpid(-1, os.WNOHANG)


def test_results_come_in_order_whoever_did_each_stripe():
    """Stripe 0 is slow wherever it runs: the later stripes are done meanwhile, and still come back after it."""
    items = list(range(1_000))

    def work(stripe):
        if stripe[0] == 0:
            time.sleep(0.2)
        return _pid_and_sum(stripe)

    seen = []
    with pool.Stripes(work, items, processes=3, step=7) as stripes:
        assert stripes.workers == 2
        for index, (pid, total) in stripes.results():
            seen.append((index, pid, total))
        assert stripes.done == len(items)
    assert [index for index, _pid, _total in seen] == list(range(len(stripes.stripes)))
    assert [total for _index, _pid, total in seen] == [sum(items[i:i + 7]) for i in range(0, len(items), 7)]
    assert len({pid for _index, pid, _total in seen} - {os.getpid()}) >= 1  # the workers took some
    _no_child_left()


def test_a_free_process_claims_the_next_stripe():
    """The calling process is slow: the worker takes most stripes rather than half of them."""
    main = os.getpid()

    def work(stripe):
        if os.getpid() == main:
            time.sleep(0.05)
        return os.getpid()

    with pool.Stripes(work, list(range(40)), processes=2, step=1) as stripes:
        done_by = [pid for _index, pid in stripes.results()]
    assert len(done_by) == 40 and done_by.count(main) < 20
    _no_child_left()


@pytest.mark.parametrize("how", ["raises", "dies", "unpicklable"])
def test_a_worker_that_fails_leaves_its_stripes_to_the_calling_process(how, caplog):
    main = os.getpid()

    def work(stripe):
        if os.getpid() != main:
            if how == "dies":
                os._exit(1)
            if how == "raises":
                raise RuntimeError("the worker broke")
            return lambda: None  # cannot be pickled
        return sum(stripe)

    items = list(range(200))
    with pool.Stripes(work, items, processes=3, step=10) as stripes:
        results = list(stripes.results())
    assert [total for _index, total in results] == [sum(items[i:i + 10]) for i in range(0, 200, 10)]
    _no_child_left()


def test_a_failure_in_the_calling_process_ends_and_reaps_the_workers():
    main = os.getpid()

    def work(stripe):
        if os.getpid() == main:
            raise ValueError("the calling process broke")
        time.sleep(0.01)
        return sum(stripe)

    with pytest.raises(ValueError), pool.Stripes(work, list(range(500)), processes=3, step=5) as stripes:
        list(stripes.results())
    _no_child_left()


def test_stopping_early_ends_and_reaps_the_workers():
    with pool.Stripes(_pid_and_sum, list(range(500)), processes=3, step=5) as stripes:
        for index, _result in stripes.results():
            if index == 2:
                break
    _no_child_left()


def test_one_process_or_no_items():
    with pool.Stripes(sum, list(range(10)), processes=1, step=3) as stripes:
        assert stripes.workers == 0
        assert list(stripes.results()) == [(0, 3), (1, 12), (2, 21), (3, 9)]
    with pool.Stripes(sum, [], processes=4, step=3) as stripes:
        assert stripes.workers == 0 and list(stripes.results()) == []


def test_stripes_grow_so_that_a_pipe_holds_every_claim_and_shrink_so_that_every_process_has_one():
    items = list(range(pool.MOST_STRIPES * 3 + 1))
    with pool.Stripes(len, items, processes=2, step=1) as stripes:
        assert len(stripes.stripes) <= pool.MOST_STRIPES
        assert sum(length for _index, length in stripes.results()) == len(items)
    with pool.Stripes(len, list(range(40)), processes=4, step=2_000) as stripes:
        assert stripes.step == 10 and stripes.workers == 3
        assert [length for _index, length in stripes.results()] == [10, 10, 10, 10]
    _no_child_left()


@pytest.mark.django_db
def test_a_worker_may_not_use_the_database():
    """A query in a forked worker raises there (the socket is the parent's); the calling process does the stripe."""
    def work(stripe):
        return Group.objects.count(), os.getpid()

    with pool.Stripes(work, list(range(4)), processes=2, step=1) as stripes:
        results = [result for _index, result in stripes.results()]
    assert all(pid == os.getpid() for _count, pid in results)
    assert Group.objects.count() == results[0][0]  # the connection still answers


def test_process_count(monkeypatch):
    monkeypatch.setattr(pool.threading, "active_count", lambda: 1)
    assert pool.process_count(5, minimum=10, most=4) == 1  # too few to be worth forking
    assert pool.process_count(50, minimum=10, most=3) == min(3, os.cpu_count())
    monkeypatch.setattr(pool.threading, "active_count", lambda: 2)
    assert pool.process_count(50, minimum=10, most=3) == 1  # forking beside another thread is not safe
