"""Where a train step's time goes: flan_nb's jitted step traced with `jax.profiler` (a Perfetto trace), each XLA op's
time joined to the compiled HLO's metadata, summed by phase (forward, backward, the rest: optimizer and metrics) and
kind (matmul fusions, other fusions, copies), then the top ops with their shapes and source op names.

    .venv/bin/python bench/step_profile.py                     # preset mini, 4 rows x 256 tokens
    .venv/bin/python bench/step_profile.py --logit-fraction 1.0 --top 40

On a CPU the XLA runtime runs independent ops concurrently, so op times add up to more than the step's wall time.
"""
import argparse, collections, glob, gzip, json, os, re, tempfile, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import jax
from flax import nnx
from flan_nb import partitioning as part
from flan_nb.config import default_config
from flan_nb.inputs import synthetic_batches
from flan_nb.model import get_config
from flan_nb.step import create_state, make_step
from timing import bench_spec

_RUNTIME = ("Thunk", "$", "Slinky", "Pjit", "end:", "Threadpool", "Common", "Parse", "Handle", "Allocate", "Python",
            "cond.", "while.")  # runtime events, and control flow whose inner ops are counted themselves


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="mini")
    p.add_argument("--rows", type=int, default=4)
    p.add_argument("--logit-fraction", type=float, default=default_config().train.logit_fraction)
    p.add_argument("--steps", type=int, default=3, help="steps traced (times are per step)")
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()
    mcfg = get_config(a.preset, max_seq_len=max(256, get_config(a.preset).max_seq_len))
    spec, init = bench_spec(mcfg)
    fn = make_step(spec, logit_fraction=a.logit_fraction)
    trace_dir = tempfile.mkdtemp(prefix="step_profile_")
    with jax.set_mesh(spec.mesh), nnx.logical_axis_rules(spec.rules):
        state = create_state(spec, init)
        batch = part.global_batch(next(synthetic_batches(mcfg.vocab_size, a.rows, 192, 64, seed=0)), part.batch_sharding(spec.mesh, spec.rules))
        hlo = fn.lower(state, batch).compile().as_text()
        for _ in range(3): state, m = fn(state, batch); jax.block_until_ready(m)
        t0 = time.perf_counter()
        with jax.profiler.trace(trace_dir, create_perfetto_trace=True):
            for _ in range(a.steps): state, m = fn(state, batch); jax.block_until_ready(m)
        wall = (time.perf_counter() - t0) / a.steps
    ops = {}
    for line in hlo.splitlines():
        mo = re.match(r"\s*(?:ROOT )?%(\S+) = (\S+) .*", line)
        if mo:
            name = re.search(r'op_name="([^"]*)"', line)
            ops.setdefault(mo.group(1), (mo.group(2).split("{")[0], name.group(1) if name else ""))
    events = json.load(gzip.open(glob.glob(f"{trace_dir}/**/*.json.gz", recursive=True)[0]))["traceEvents"]
    per_op = collections.Counter()
    for e in events:
        if e.get("ph") == "X" and not e["name"].startswith(_RUNTIME): per_op[e["name"]] += e["dur"] / 1000 / a.steps
    groups = collections.Counter()
    for name, ms in per_op.items():
        shape, op_name = ops.get(name, ("?", ""))
        phase = "backward" if "transpose(" in op_name else "forward" if "jvp(" in op_name else "rest"
        kind = "matmul fusion" if name.startswith(("ynn_fusion", "dot", "onednn")) else "copy" if name.startswith("copy") else "other fusion"
        groups[(phase, kind)] += ms
    print(f"preset {a.preset}, {a.rows} rows x 256 tokens, logit_fraction {a.logit_fraction} | step {wall * 1000:.1f} ms wall "
          f"(traced), ops {sum(per_op.values()):.1f} ms | jax {jax.__version__} on {jax.devices()[0].platform}")
    for (phase, kind), ms in groups.most_common(): print(f"{ms:8.1f} ms  {phase:9} {kind}")
    print(f"top {a.top} ops (ms per step, output shape, source):")
    for name, ms in per_op.most_common(a.top):
        shape, op_name = ops.get(name, ("?", ""))
        print(f"{ms:8.2f}  {name[:28]:28} {shape:28} {op_name[-70:]}")


if __name__ == "__main__":
    main()
