"""What donating the train state costs on this CPU (issue 21, session 17). `step.make_step` jits the step with
`donate_argnums=0`; XLA's CPU backend then copies optimizer-moment leaves, because the update's fusions read the old
moments after the one that writes the new ones in place. One variant per process (AdamW, preset mini, 4 x 256 tokens
as bench/train_throughput.py): the step as trained, or the same function jitted without donation. Prints the copies
of state leaves in the compiled step and the median of 20 steps.

    for v in donate keep donate keep; do .venv/bin/python bench/trials/donation_ab.py $v; done
"""
import os, re, statistics, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import jax
from flax import nnx
from flan_nb import partitioning as part
from flan_nb.config import default_config
from flan_nb.inputs import synthetic_batches
from flan_nb.model import get_config
from flan_nb.step import create_state, make_step
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # bench/
from timing import bench_spec

variant = sys.argv[1] if len(sys.argv) > 1 else "donate"
if variant not in ("donate", "keep"): raise SystemExit("usage: donation_ab.py donate|keep")
mcfg = get_config("mini")
spec, init = bench_spec(mcfg)
fn = make_step(spec, logit_fraction=default_config().train.logit_fraction)   # the trainer's default, as the benchmarks
if variant == "keep": fn = jax.jit(fn.__wrapped__, in_shardings=(spec.shardings, None), out_shardings=(spec.shardings, None))
with jax.set_mesh(spec.mesh), nnx.logical_axis_rules(spec.rules):
    state = create_state(spec, init)
    batch = part.global_batch(next(synthetic_batches(mcfg.vocab_size, 4, 192, 64, seed=0)), part.batch_sharding(spec.mesh, spec.rules))
    copies = re.findall(r"= \S+ copy\(%state__(params|opt_state)", fn.lower(state, batch).compile().as_text())
    for _ in range(3): state, m = fn(state, batch); jax.block_until_ready(m)
    ts = []
    for _ in range(20):
        t0 = time.perf_counter(); state, m = fn(state, batch); jax.block_until_ready(m); ts.append(time.perf_counter() - t0)
print(f"{variant:7} copies of state leaves: {copies.count('opt_state')} optimizer state, {copies.count('params')} parameters | "
      f"step median {statistics.median(ts) * 1e3:.1f} ms, fastest {min(ts) * 1e3:.1f} ms (20 steps)")
