"""Train-step A/B: flan_nb's jitted step for several model/step variants, timed alternately in one process (each
variant's step once per round), so that a noisy machine's drift falls on all of them alike. Prints each variant's
median and fastest step.

    .venv/bin/python bench/step_ab.py '{}' '{"logit_fraction": 1.0}' '{"attention": "xla"}' '{"scan_layers": true}'
    PRESET=smollm2-135m ROWS=2 ROUNDS=6 .venv/bin/python bench/step_ab.py '{}' '{"logit_fraction": 1.0}'

Each argument is a JSON object of `ModelConfig` overrides, plus optionally `logit_fraction` (the step's
`train.logit_fraction`, default the config's). The batch is `inputs.synthetic_batches` at 192 + 64 tokens a row,
AdamW as in bench/train_throughput.py. Timings are printed, never asserted.
"""
import json, os, statistics, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import jax
from flax import nnx
from flan_nb import partitioning as part
from flan_nb.config import default_config
from flan_nb.inputs import synthetic_batches
from flan_nb.model import get_config
from flan_nb.step import create_state, make_step
from timing import bench_spec


def main():
    variants = [json.loads(a) for a in sys.argv[1:]] or [{}]
    preset, rows, rounds = os.environ.get("PRESET", "mini"), int(os.environ.get("ROWS", 4)), int(os.environ.get("ROUNDS", 12))
    runs = []
    for v in variants:
        v = dict(v); frac = v.pop("logit_fraction", default_config().train.logit_fraction)
        mcfg = get_config(preset, max_seq_len=max(256, get_config(preset).max_seq_len), **v)
        spec, init = bench_spec(mcfg)
        fn = make_step(spec, logit_fraction=frac)
        with jax.set_mesh(spec.mesh), nnx.logical_axis_rules(spec.rules):
            state = create_state(spec, init)
            batch = part.global_batch(next(synthetic_batches(mcfg.vocab_size, rows, 192, 64, seed=0)), part.batch_sharding(spec.mesh, spec.rules))
            for _ in range(2): state, m = fn(state, batch); jax.block_until_ready(m)   # compiles
        runs.append({"name": json.dumps({**v, "logit_fraction": frac}), "spec": spec, "fn": fn, "state": state,
                     "batch": batch, "times": []})
    print(f"preset {preset}, {rows} rows x 256 tokens, {rounds} rounds, variants timed alternately | jax {jax.__version__} on {jax.devices()[0].platform}")
    for _ in range(rounds):
        for r in runs:
            with jax.set_mesh(r["spec"].mesh), nnx.logical_axis_rules(r["spec"].rules):
                t0 = time.perf_counter(); r["state"], m = r["fn"](r["state"], r["batch"]); jax.block_until_ready(m)
                r["times"].append(time.perf_counter() - t0)
    base = statistics.median(runs[0]["times"])
    for r in runs:
        med = statistics.median(r["times"])
        print(f"{r['name']:60} median {med:.4f} s  fastest {min(r['times']):.4f} s  {base / med:.2f}x the first")


if __name__ == "__main__":
    main()
