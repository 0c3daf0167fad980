"""Helpers shared by the benchmark scripts."""

import time


def best_of(func, repeat):
    """(fastest time in seconds, last result) of ``repeat`` calls."""
    times = []
    result = None
    for _i in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return min(times), result
