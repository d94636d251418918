"""What the benchmarks share: the timing loop (the median of several calls, and the last result), and the train
step's spec with the benchmarks' optimizer."""
import statistics, time


def timed(fn, reps):
    "Median seconds of `reps` calls of `fn` and its last result."
    times = []
    for _ in range(reps):
        t0 = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_spec(mcfg, total_steps: int = 100, lr: float = 1e-4):
    """`(spec, init)` of `step.state_spec` for the model config `mcfg` on a one-device mesh, with the benchmarks'
    optimizer: AdamW at a constant `lr`, without weight decay, clipping or warm-up (what bench/train_throughput.py
    gives torch too). The mesh and rules are `spec.mesh` and `spec.rules`."""
    import jax
    from flan_nb import partitioning as part
    from flan_nb.config import default_config
    from flan_nb.step import optimizer, state_spec
    opt = default_config().optimizer
    opt.update(name="adamw", learning_rate=lr, weight_decay=0.0, grad_clip=0.0, schedule="constant", warmup_steps=0)
    tx, sched = optimizer(opt, total_steps)
    mesh = part.make_mesh(1, 1, 1, devices=jax.devices()[:1])
    return state_spec(mcfg, tx, sched, mesh, part.check_rules(part.DEFAULT_RULES, mesh), seed=0)
