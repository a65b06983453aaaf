"""background.Job: chained jobs run in order, one at a time, and their errors reach the waiter."""

from __future__ import annotations

import threading
import time

import pytest


def test_chained_jobs_run_in_order_one_at_a_time():
    from atmp_kg.background import Job

    done, running, overlap = [], [], []
    lock = threading.Lock()

    def step(i):
        with lock:
            running.append(i)
            if len(running) > 1:
                overlap.append(list(running))
        time.sleep(0.01 * (5 - i))  # the first jobs take longest: unchained, they would finish last
        with lock:
            running.remove(i)
            done.append(i)

    last = None
    for i in range(5):
        last = Job(step, i, after=last)
    last.result()
    assert done == [0, 1, 2, 3, 4] and overlap == []


def test_result_gives_what_the_function_returned():
    from atmp_kg.background import Job

    first = Job(lambda n: list(range(n)), 3)
    assert Job(lambda: "second", after=first).result() == "second"
    assert first.result() == [0, 1, 2]


def test_an_error_reaches_the_waiter_and_stops_the_jobs_after_it():
    from atmp_kg.background import Job

    ran = []

    def fail():
        raise ValueError("the second job failed")

    first = Job(ran.append, 1)
    second = Job(fail, after=first)
    third = Job(ran.append, 3, after=second)
    with pytest.raises(ValueError, match="the second job failed"):
        third.result()
    assert ran == [1]
    assert isinstance(second.wait(), ValueError) and first.wait() is None


def test_waiting_for_a_job_outlasts_ctrl_c():
    """Ctrl-C while waiting is raised once the job has ended, so that nothing is left writing
    into a store that the caller, interrupted, goes on to close or delete."""
    import signal

    from atmp_kg.background import Job

    assert threading.current_thread() is threading.main_thread()
    done = []

    def work():
        time.sleep(0.6)
        done.append(True)

    job = Job(work)
    timer = threading.Timer(0.1, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        job.wait()
    assert done == [True]


def test_a_cancelled_job_does_not_start_its_work():
    from atmp_kg.background import Cancelled, Job

    ran = []
    first = Job(time.sleep, 0.2)
    second = Job(ran.append, 2, after=first)
    second.cancel()
    assert isinstance(second.wait(), Cancelled) and ran == []


def test_a_rules_error_leaves_no_partial_layer_and_no_load_running(monkeypatch):
    import atmp_kg.timeline as timeline
    from atmp_kg.graph.store import load_store
    from atmp_kg.timeline.context import RULE, TIMELINE

    class Broken:
        NAME, TITLE, DESCRIPTION = "broken", "broken", "a rule that fails"

        @staticmethod
        def apply(ctx):
            raise RuntimeError("rule failed")

    rules = timeline.ordered_rules()
    store = load_store(None, derive=False)
    before = len(store)
    monkeypatch.setattr(timeline, "ordered_rules", lambda: rules[:3] + [Broken])
    with pytest.raises(RuntimeError, match="rule failed"):
        timeline.derive(store)
    time.sleep(0.2)  # a load still running would add triples now
    assert len(store) == before
    assert not [q for q in store if q.subject.value.startswith((TIMELINE, RULE))]
