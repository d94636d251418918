"""Layout benchmark: one training step's forward and backward pass of the model, with `flan_nb.model`'s layout (every
projection one 2-D matmul via `dense`, attention with its batch axes first) side by side with the same model written
with 3-D einsums (the layout before `dense`), in the same run, on the same weights and batch.

    .venv/bin/python bench/step_layout.py                        # the demo's model, 16 rows x 256 tokens
    .venv/bin/python bench/step_layout.py --rows 8 --length 512 --d-model 256 --layers 4

Prints the median seconds per step of each, the ratio, and the largest difference of the losses and gradients (the
two layouts compute the same function, so that is rounding).
"""
import argparse, math, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import jax, jax.numpy as jnp, numpy as np
from flax import nnx
import flan_nb.model as M


def einsum_attention(self, x, cos, sin, mask, kv_cache=None, index=None):
    "The peer: the same attention with einsums over 3-D activations (no cache)."
    cfg = self.cfg
    b, t, _ = x.shape
    q = M.apply_rope(jnp.einsum("btd,dhk->bthk", x, self.q[...]), cos, sin)
    k = M.apply_rope(jnp.einsum("btd,dhk->bthk", x, self.k[...]), cos, sin)
    v = jnp.einsum("btd,dhk->bthk", x, self.v[...])
    qg = q.reshape(b, t, cfg.n_kv_heads, cfg.n_heads // cfg.n_kv_heads, cfg.head_dim)
    scores = jnp.einsum("btkgh,bskh->bkgts", qg, k, preferred_element_type=jnp.float32) / math.sqrt(cfg.head_dim)
    probs = jax.nn.softmax(jnp.where(mask[:, None, None], scores, M.NEG_INF), axis=-1)
    out = jnp.einsum("bkgts,bskh->btkgh", probs, v).reshape(b, t, cfg.n_heads, cfg.head_dim)
    return jnp.einsum("bthk,hkd->btd", out, self.o[...]), (k, v)


def einsum_mlp(self, x):
    return (jax.nn.silu(x @ self.gate[...]) * (x @ self.up[...])) @ self.down[...]


def step_fn(cfg, tokens, segments):
    graphdef, params = nnx.split(M.Transformer(cfg, nnx.Rngs(0)))
    def loss(p):
        logits = nnx.merge(graphdef, p)(tokens, segment_ids=segments)
        return (jax.nn.logsumexp(logits, -1) - jnp.take_along_axis(logits, tokens[..., None], -1)[..., 0]).mean()
    return jax.jit(jax.value_and_grad(loss)), params


def timed(pairs, repeats):
    "Seconds per call of each `(f, params)`, the calls interleaved so that a change in the machine's load hits both."
    outs = [jax.block_until_ready(f(p)) for f, p in pairs]  # compiles
    ts = [[] for _ in pairs]
    for _ in range(repeats):
        for (f, p), t in zip(pairs, ts):
            t0 = time.perf_counter(); jax.block_until_ready(f(p)); t.append(time.perf_counter() - t0)
    return [(float(np.median(t)), float(np.min(t))) for t in ts], outs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=16); ap.add_argument("--length", type=int, default=256)
    ap.add_argument("--d-model", type=int, default=128); ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=20)
    a = ap.parse_args()
    cfg = M.get_config("tiny", d_model=a.d_model, n_layers=a.layers, n_heads=4, n_kv_heads=2, head_dim=a.d_model // 4,
                       d_ff=3 * a.d_model, max_seq_len=a.length, init_std=0.02, vocab_size=1024, previous_token=True)
    rng = np.random.default_rng(0)
    tokens = jnp.asarray(rng.integers(1, cfg.vocab_size, (a.rows, a.length)), jnp.int32)
    segments = jnp.asarray(np.repeat(np.arange(1, 5), -(-a.length // 4))[None, :a.length].repeat(a.rows, 0), jnp.int32)
    ours = step_fn(cfg, tokens, segments)
    attn, mlp = M.Attention.__call__, M.MLP.__call__
    M.Attention.__call__, M.MLP.__call__ = einsum_attention, einsum_mlp
    try:
        peer = step_fn(cfg, tokens, segments)
        jax.block_until_ready(peer[0](peer[1]))  # traced with the peer's layers
    finally:
        M.Attention.__call__, M.MLP.__call__ = attn, mlp
    ((ours, ours_min), (peer, peer_min)), ((l1, g1), (l2, g2)) = timed([ours, peer], a.repeats)
    diff = max(float(jnp.abs(x - y).max()) for x, y in zip(jax.tree.leaves(g1), jax.tree.leaves(g2)))
    print(f"{a.rows} rows x {a.length} tokens, d_model {a.d_model}, {a.layers} layers, {jax.device_count()} "
          f"{jax.devices()[0].platform} device(s); {a.repeats} forward+backward passes each, interleaved")
    print(f"  {'':24} {'median':>9} {'fastest':>9}")
    print(f"  flan_nb layout (dense) : {ours * 1e3:6.1f} ms {ours_min * 1e3:6.1f} ms")
    print(f"  3-D einsum layout      : {peer * 1e3:6.1f} ms {peer_min * 1e3:6.1f} ms")
    print(f"  ratio einsum / dense   : {peer / ours:8.2f}x {peer_min / ours_min:8.2f}x")
    print(f"  |loss difference| {abs(float(l1 - l2)):.2e}, max |gradient difference| {diff:.2e}")


if __name__ == "__main__":
    main()
