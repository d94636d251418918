"""The timing loop the benchmarks share: the median of several calls, and the last result."""
import statistics, time


def timed(fn, reps):
    "Median seconds of `reps` calls of `fn` and its last result."
    times = []
    for _ in range(reps):
        t0 = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t0)
    return statistics.median(times), out
