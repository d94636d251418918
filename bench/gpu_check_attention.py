"""cuDNN attention on the GPU (issue 21 §2): `ModelConfig.attention="cudnn"` checked against the reference path, then
attention alone timed at the training shape. Run by bench/gpu_check.sh (see its header); nothing here is asserted.

    python bench/gpu_check_attention.py                        # on the GPU machine: checks, then timings at Llama-3.2-1B's shape
    .venv/bin/python bench/gpu_check_attention.py --smoke      # on the CPU: tiny shapes, `xla` standing in for `cudnn`

1. Equality, `tiny` preset in bf16 (grouped-query heads, head_dim 16) on packed rows of 64 tokens: the model's logits
   with `attention="cudnn"` against `"reference"` (both bf16), for causal packed rows (the causal hint: cuDNN's CAUSAL
   mask type plus the mask as a bias, also on rows with two branches), prefix-LM rows (the bias alone), and KV-cache
   decoding (prefill, then one token at a time); gradients of a loss over every parameter on causal and prefix-LM
   rows. Each difference is printed beside the bf16 reference's own distance from the f32 reference, the size of
   bf16 noise: cuDNN is as good as the reference when its difference is of that size.
2. Timing: `attend` forward + backward alone for reference, xla and cudnn on `[rows, inputs + targets, heads,
   head_dim]` of `--preset` with the masks of `inputs.synthetic_batches` (packed causal with the hint, prefix-LM
   without), median of `--repeats` after one compiling call.
A case cuDNN rejects (shape, dtype, mask, no GPU) is printed in capitals with its error, never skipped silently; on
a machine without a GPU `xla` stands in for `cudnn` (said so in capitals) so the smoke run exercises every line.
"""
import argparse, dataclasses, os, statistics, time, traceback
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import jax, jax.numpy as jnp
from flax import nnx
from flan_nb.inputs import synthetic_batches
from flan_nb.model import Transformer, attend, get_config, init_cache, relayout
from flan_nb.packing import attention_mask


def loud(what, e):
    "Print a failure in capitals with the first line of its error."
    err = "".join(traceback.format_exception_only(e)).strip().splitlines()[0][:400]
    print(f"!!! {what}: {err}")


def rows(length, seed=0):
    "Segment ids, prefix flags and branch ids of 3 rows: packed causal segments + padding, prefix-LM, two branches."
    seg, ca, br = (np.zeros((3, length), np.int32) for _ in range(3))
    q = length // 4
    seg[0, :q], seg[0, q:3 * q], seg[0, 3 * q:length - 3] = 1, 2, 3
    seg[1, :2 * q], seg[1, 2 * q:] = 1, 2; ca[1, :q] = 1; ca[1, 2 * q:3 * q] = 1
    seg[2] = 1; br[2, 2 * q:3 * q], br[2, 3 * q:] = 1, 2
    toks = np.random.default_rng(seed).integers(3, 256, (3, length)).astype(np.int32)
    return toks, seg, ca, br


def maxdiff(a, b): return float(jnp.abs(jnp.asarray(a, jnp.float32) - jnp.asarray(b, jnp.float32)).max())


def check_equality(impl, length):
    "The model with `attention=impl` against the reference, bf16, with the f32 reference's distance as the yardstick."
    toks, seg, ca, br = rows(length)
    f32 = Transformer(get_config("tiny"), rngs=nnx.Rngs(0))
    ref = relayout(f32, False, dtype="bfloat16")
    new = relayout(f32, False, dtype="bfloat16", attention=impl)

    @nnx.jit(static_argnames="branches")
    def fwd(m, ca, br, branches=False): return m(toks, None, seg, ca, branch_ids=br if branches else None)
    print(f"max |difference| ({length} tokens a row) {impl + ' - ref (bf16)':>18} {'ref bf16 - f32':>16} {'|f32| max':>10}")
    # each case compares the rows it is about (the prefix-LM row, the branch row); padding slots are left out
    for name, c, b, sel in (("logits, causal packed (hint)", None, None, [0, 1, 2]), ("logits, prefix-LM row", ca, None, [1]),
                            ("logits, branch row", None, br, [2])):
        try:
            r, x, f = (fwd(m, c, b, b is not None)[np.array(sel)] * jnp.asarray(seg[sel] > 0)[..., None] for m in (ref, new, f32))
            print(f"{name:36} {maxdiff(x, r):18.4f} {maxdiff(r, f):16.4f} {float(jnp.abs(f).max()):10.2f}")
        except Exception as e: loud(f"{impl.upper()} FAILED ON THE {name.upper()} FORWARD", e)

    def loss(m, ca):
        return -(jax.nn.log_softmax(m(toks, None, seg, ca).astype(jnp.float32))[..., 0] * (seg > 0)).sum()
    grad = nnx.jit(nnx.grad(loss))
    for name, c in (("grads / max|g|, causal packed", None), ("grads / max|g|, prefix-LM", ca)):
        try:
            gr, gx, gf = (jax.tree.leaves(nnx.to_pure_dict(grad(m, c))) for m in (ref, new, f32))
            rel = lambda a, b: max(maxdiff(x, y) for x, y in zip(a, b)) / max(float(jnp.abs(y).max()) for y in b)
            print(f"{name:36} {rel(gx, gr):18.4f} {rel(gr, gf):16.4f}")
        except Exception as e: loud(f"{impl.upper()} FAILED ON THE {name.upper()}", e)

    step = nnx.jit(lambda m, t, p, s, c, cache: m(t, p, s, c, cache=cache))
    def decode(m, n0=length // 2):
        cache, c0 = init_cache(m.config, 2, length), np.zeros((2, n0), np.int32)
        c0[:, : n0 // 2] = 1
        lg, cache = step(m, toks[:2, :n0], np.broadcast_to(np.arange(n0, dtype=np.int32), (2, n0)),
                         np.ones((2, n0), np.int32), c0, cache)
        out = [lg]
        for i in range(n0, n0 + 8):
            lg, cache = step(m, toks[:2, i:i + 1], np.full((2, 1), i, np.int32), np.ones((2, 1), np.int32),
                             np.zeros((2, 1), np.int32), cache)
            out.append(lg)
        return jnp.concatenate(out, 1)
    try:
        r, x, f = decode(ref), decode(new), decode(f32)
        print(f"{'logits, KV-cache decode':36} {maxdiff(x, r):18.4f} {maxdiff(r, f):16.4f} {float(jnp.abs(f).max()):10.2f}")
    except Exception as e: loud(f"{impl.upper()} FAILED ON KV-CACHE DECODING", e)


def time_attention(impls, preset, n_rows, inputs_length, targets_length, repeats):
    "Forward + backward of `attend` alone at the training shape, per implementation and mask; median seconds."
    cfg = get_config(preset)
    L = inputs_length + targets_length
    batch = next(synthetic_batches(cfg.vocab_size, n_rows, inputs_length, targets_length, seed=0, kind="prefix_lm"))
    seg, ca = batch["decoder_segment_ids"], batch["decoder_causal_attention"]
    rng = np.random.default_rng(0)
    q = jnp.asarray(rng.normal(size=(n_rows, L, cfg.n_heads, cfg.head_dim)), jnp.bfloat16)
    k, v = (jnp.asarray(rng.normal(size=(n_rows, L, cfg.n_kv_heads, cfg.head_dim)), jnp.bfloat16) for _ in range(2))
    masks = {"packed causal (hint)": (jnp.asarray(attention_mask(seg)), True),
             "packed prefix-LM": (jnp.asarray(attention_mask(seg, ca)), False)}
    print(f"attention alone, fwd + bwd, bf16, [{n_rows}, {L}, {cfg.n_heads} heads / {cfg.n_kv_heads} kv, {cfg.head_dim}] "
          f"({preset}), median of {repeats} (ms):")
    for name, (mask, causal) in masks.items():
        line = f"  {name:22}"
        for impl in impls:
            f = jax.jit(jax.value_and_grad(lambda q, k, v, m: attend(q, k, v, m, impl, causal).astype(jnp.float32).sum(),
                                           argnums=(0, 1, 2)))
            try:
                jax.block_until_ready(f(q, k, v, mask))
                ts = []
                for _ in range(repeats):
                    t0 = time.perf_counter(); jax.block_until_ready(f(q, k, v, mask)); ts.append(time.perf_counter() - t0)
                line += f"  {impl} {1e3 * statistics.median(ts):8.2f}"
            except Exception as e:
                print(line); loud(f"{impl.upper()} FAILED ON ATTENTION AT {name.upper()} [{n_rows}, {L}]", e)
                line = f"  {name:22}"
        print(line)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true", help="tiny shapes (for the CPU)")
    p.add_argument("--preset", default="llama3.2-1b")
    p.add_argument("--rows", type=int, default=4)
    p.add_argument("--inputs-length", type=int, default=1024)
    p.add_argument("--targets-length", type=int, default=256)
    p.add_argument("--repeats", type=int, default=10)
    a = p.parse_args()
    if a.smoke: a.preset, a.rows, a.inputs_length, a.targets_length, a.repeats = "tiny", 2, 48, 16, 2
    print(f"jax {jax.__version__}, backend {jax.default_backend()}, {jax.devices()[0].device_kind}")
    impl = "cudnn"
    if jax.default_backend() != "gpu":
        print("!!! NO GPU: CUDNN CANNOT RUN HERE; 'xla' STANDS IN FOR IT BELOW (the smoke run of this script)")
        impl = "xla"
    check_equality(impl, 64)
    time_attention(("reference", "xla", impl) if impl == "cudnn" else ("reference", "xla"),
                   a.preset, a.rows, a.inputs_length, a.targets_length, a.repeats)


if __name__ == "__main__":
    main()
