"""Compile and step time of a train step for logit-fraction and attention-block variants (issue 21, session 15):
what each logit bucket and each causal attention block adds to the compile, and what the blocks save per step.

    .venv/bin/python bench/trials/step_compile.py tiny-flan 8 1024 256    # FLAN rows: blocks matter
    .venv/bin/python bench/trials/step_compile.py tiny-flan 8 96 32       # test-sized rows: compile cost
"""
import os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import jax
from flax import nnx
from flan_nb import partitioning as part, step as S, model as M
from flan_nb.config import default_config
from flan_nb.inputs import synthetic_batches
preset, rows, L_in, L_t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
opt = default_config().optimizer
tx, sched = S.optimizer(opt, 100)
mesh = part.make_mesh(1, 1, 1, devices=jax.devices()[:1]); rules = part.check_rules(part.DEFAULT_RULES, mesh)
orig = M.causal_blocks
for name, blocks, frac in (("now", orig, 0.25), ("no blocks", lambda n: 1, 0.25), ("frac 0.125", orig, 0.125), ("frac 1.0", orig, 1.0), ("neither", lambda n: 1, 1.0)):
    M.causal_blocks = blocks
    mcfg = M.get_config(preset, max_seq_len=max(L_in + L_t, M.get_config(preset).max_seq_len))
    spec, init = S.state_spec(mcfg, tx, sched, mesh, rules, seed=0)
    fn = S.make_step(spec, logit_fraction=frac)
    with jax.set_mesh(spec.mesh), nnx.logical_axis_rules(spec.rules):
        state = S.create_state(spec, init)
        batch = part.global_batch(next(synthetic_batches(mcfg.vocab_size, rows, L_in, L_t, seed=0)), part.batch_sharding(mesh, rules))
        t0 = time.perf_counter(); c = fn.lower(state, batch).compile(); t1 = time.perf_counter()
        state, m = c(state, batch); jax.block_until_ready(m); t2 = time.perf_counter()
        state, m = c(state, batch); jax.block_until_ready(m); t3 = time.perf_counter()
    print(f"{name:10} compile {t1 - t0:.2f} s, step {t3 - t2:.3f} s")
