"""Where one batch of the rank-classification scorer's time goes (issue 21, session 17): the first 8 rows of 256 of
bench/eval_throughput.py's requests (SmolLM2-135M, f32, 1-shot), run through `evaluation._score_impl` jitted as
`score_requests` runs it, then again with the attention core replaced by its queries and with the MLP replaced by its
input. A scratch ablation: the variants compute nonsense, only their times mean anything.

    .venv/bin/python bench/trials/scorer_ablation.py
"""
import importlib.util, os, time
from pathlib import Path
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np, jax
from flax import nnx
import flan_nb.model as M, flan_nb.evaluation as E
from flan_nb.convert import load_gguf

spec = importlib.util.spec_from_file_location("parity", Path(__file__).resolve().parents[2] / "tests" / "test_lm_eval_parity.py")
parity = importlib.util.module_from_spec(spec); spec.loader.exec_module(parity)
model, vocab = load_gguf(parity.smollm2_path())
sets = parity.make_examples(n=22, seed=0, shots=1)   # as bench/eval_throughput.py: 64 examples round-robin, 1-shot
reqs, _ = parity.flan_requests([ex for g in zip(*sets.values()) for ex in g][:64], parity.our_encode(vocab))
items = [(i, w) for i, r in enumerate(reqs) for w in E.split_options(r, model.config.max_seq_len)]
rows = [E.pack_row(its, reqs, 256)[0] for its in E.pack_rows(items, reqs, 256)[:8]]
b = {k: np.stack([r[k] for r in rows]) for k in rows[0]}
e = E.bucket_length(int(b["valid"].sum(1).max()), 32, 256)
args = [b[k][:, :e] if k in ("pred_slot", "target", "valid") else b[k]
        for k in ("tokens", "positions", "segment_ids", "branch_ids", "pred_slot", "target", "valid")]
graphdef, params, rest = nnx.split(model, nnx.Param, ...)
state = (nnx.to_pure_dict(params), nnx.to_pure_dict(rest))

def timed(name):
    f = jax.jit(lambda *a: E._score_impl(*a), static_argnums=(0,))   # a new function each time: traced anew
    jax.block_until_ready(f(graphdef, state, *args))
    ts = []
    for _ in range(5):
        t0 = time.perf_counter(); jax.block_until_ready(f(graphdef, state, *args)); ts.append(time.perf_counter() - t0)
    print(f"{name:28} {min(ts):.3f} s fastest, {np.median(ts):.3f} s median (8 rows x 256, 5 runs)", flush=True)

timed("the scorer")
attend = M.attend
M.attend = lambda q, k, v, mask, implementation="reference", causal=False: q
timed("attention core skipped")
M.attend = attend
mlp = M.MLP.__call__
M.MLP.__call__ = lambda self, x: x
timed("MLP skipped")
M.MLP.__call__ = mlp
