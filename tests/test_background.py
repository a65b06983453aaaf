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


def test_derive_raises_a_rules_error_after_the_loads_under_way(monkeypatch):
    import atmp_kg.timeline as timeline
    from atmp_kg.graph.store import load_store

    class Broken:
        NAME, TITLE, DESCRIPTION = "broken", "broken", "a rule that fails"

        @staticmethod
        def apply(ctx):
            raise RuntimeError("rule failed")

    rules = timeline.ordered_rules()
    store = load_store(None, derive=False)
    monkeypatch.setattr(timeline, "ordered_rules", lambda: rules[:3] + [Broken])
    before = len(store)
    with pytest.raises(RuntimeError, match="rule failed"):
        timeline.derive(store)
    after = len(store)
    time.sleep(0.2)
    assert len(store) == after > before  # the first rules' output was loaded, and nothing after the error
