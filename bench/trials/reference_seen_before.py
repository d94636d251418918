"""Reference for bench/trials/seen_before.py: a minimal, independent decoder-only transformer in plain JAX + optax
(no flan_nb model or trainer) trained from scratch on the same NEW/OLD task: rows of 64 random tokens from a pool of
80 ids (of 10..2047), each followed by a flag NEW (5) or OLD (6) = has this token occurred earlier in the row; the
cross-entropy (full 2048-way softmax) is on the flag positions only. Pre-norm blocks (RMSNorm), causal multi-head
attention with RoPE, GELU MLP, final norm, untied output head; AdamW with linear warmup + cosine decay, grad clip 1.
`--model flan` trains flan_nb's Transformer (the demo's config) in this same loop instead, to tell model from trainer.
Prints the loss every 100 steps, then flag accuracy on fresh rows vs the constant answer, and on OLD / NEW flags.
usage: python bench/trials/reference_seen_before.py [--steps 800] [--lr 3e-3] [--pool 80] [--model ref|flan] ..."""
import argparse, math, time, numpy as np, jax, jax.numpy as jnp, optax

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=800); p.add_argument("--lr", type=float, default=3e-3)
p.add_argument("--pool", type=int, default=80); p.add_argument("--warmup", type=int, default=20)
p.add_argument("--wd", type=float, default=0.0); p.add_argument("--clip", type=float, default=1.0)
p.add_argument("--d_ff", type=int, default=512); p.add_argument("--seed", type=int, default=0)
p.add_argument("--model", default="ref", choices=["ref", "flan"])
p.add_argument("--head", default="untied", choices=["untied", "tied", "tied+proj", "tied-sg"],
               help="the reference's output head: its own matrix, the input embedding transposed, that after a learned "
                    "d x d map, or the embedding transposed with no gradient through the head (`tied-sg`)")
p.add_argument("--eps", type=float, default=1e-8, help="AdamW's epsilon")
p.add_argument("--loss", default="flags", choices=["flags", "all"],
               help="cross-entropy on the flag positions only, or on every position (the tokens too, as in language modelling)")
p.add_argument("--flan", default="", help="flan_nb ModelConfig overrides, e.g. previous_token=False,init_std=0.2")
a = p.parse_args()
NEW, OLD, LENGTH, VOCAB, D, L, H, HD, B = 5, 6, 128, 2048, 128, 3, 4, 32, 16

def row(rng):
    """One row (as bench/trials/seen_before.py): LENGTH//2 tokens from a random pool, each followed by its flag."""
    ids = rng.choice(np.arange(10, 2048), a.pool, replace=False)
    toks = rng.choice(ids, LENGTH // 2)
    seen, seq = set(), []
    for t in toks:
        seq += [int(t), OLD if t in seen else NEW]; seen.add(int(t))
    return np.array(seq)

def batch(rng, n):
    seqs = np.stack([row(rng) for _ in range(n)])
    return np.concatenate([np.zeros((n, 1), int), seqs[:, :-1]], 1), seqs   # inputs (shifted right), targets

# ---- the reference model
def init(key):
    ks = iter(jax.random.split(key, 64)); n = lambda shape, s=0.02: s * jax.random.normal(next(ks), shape)
    out_s = 0.02 / math.sqrt(2 * L)
    head = {"untied": n((D, VOCAB)), "tied": None, "tied-sg": None, "tied+proj": jnp.eye(D)}[a.head]
    return {"emb": n((VOCAB, D)), "head": head, "norm": jnp.ones(D),
            "layers": [{"n1": jnp.ones(D), "qkv": n((D, 3, H, HD)), "o": n((H, HD, D), out_s),
                        "n2": jnp.ones(D), "w1": n((D, a.d_ff)), "w2": n((a.d_ff, D), out_s)} for _ in range(L)]}

def rms(x, s): return s * x * jax.lax.rsqrt((x * x).mean(-1, keepdims=True) + 1e-5)

def rope(x):   # x [b, t, h, hd]
    inv = 1.0 / 10000 ** (jnp.arange(0, HD, 2) / HD)
    ang = jnp.arange(x.shape[1])[:, None] * inv           # [t, hd/2]
    c, s = jnp.cos(ang)[None, :, None], jnp.sin(ang)[None, :, None]
    x1, x2 = x[..., ::2], x[..., 1::2]
    return jnp.stack([x1 * c - x2 * s, x1 * s + x2 * c], -1).reshape(x.shape)

def ref_forward(P, tok):
    x = P["emb"][tok]; t = tok.shape[1]
    causal = jnp.tril(jnp.ones((t, t), bool))
    for l in P["layers"]:
        qkv = jnp.einsum("btd,dchk->cbthk", rms(x, l["n1"]), l["qkv"])
        q, k, v = rope(qkv[0]), rope(qkv[1]), qkv[2]
        s = jnp.einsum("bthk,bshk->bhts", q, k) / math.sqrt(HD)
        att = jax.nn.softmax(jnp.where(causal, s, -1e30), -1)
        x = x + jnp.einsum("bhts,bshk,hkd->btd", att, v, l["o"])
        x = x + jax.nn.gelu(rms(x, l["n2"]) @ l["w1"]) @ l["w2"]
    h = rms(x, P["norm"])
    if a.head == "untied": return h @ P["head"]
    if a.head == "tied-sg": return h @ jax.lax.stop_gradient(P["emb"]).T
    return (h @ P["head"] if a.head == "tied+proj" else h) @ P["emb"].T

if a.model == "ref":
    params, forward = init(jax.random.key(a.seed)), ref_forward
else:   # flan_nb's model, the demo's config (demo_config().model), in this same loop
    from flax import nnx
    from flan_nb.model import Transformer, ModelConfig
    from flan_nb.demo import demo_config
    kw = dict(demo_config().model.to_dict())
    for item in filter(None, a.flan.split(",")):
        k, v = item.split("="); kw[k] = {"True": True, "False": False}[v] if v in ("True", "False") else type(kw[k])(v)
    gdef, params = nnx.split(Transformer(ModelConfig(**kw), nnx.Rngs(a.seed)), nnx.Param)   # params: an nnx.State pytree
    def forward(P, tok): return nnx.merge(gdef, P)(tok)
    print("flan_nb config:", kw)

sched = optax.join_schedules([optax.linear_schedule(0.0, a.lr, a.warmup),
                              optax.cosine_decay_schedule(a.lr, max(a.steps - a.warmup, 1))], [a.warmup])
tx = optax.adamw(sched, weight_decay=a.wd, eps=a.eps)
if a.clip > 0: tx = optax.chain(optax.clip_by_global_norm(a.clip), tx)
opt = tx.init(params)

def loss_fn(P, x, y):
    if a.loss == "all": return optax.softmax_cross_entropy_with_integer_labels(forward(P, x), y).mean()
    logits = forward(P, x)[:, 1::2]                      # the flag positions only
    return optax.softmax_cross_entropy_with_integer_labels(logits, y[:, 1::2]).mean()

@jax.jit
def step(P, opt, x, y):
    loss, g = jax.value_and_grad(loss_fn)(P, x, y)
    u, opt = tx.update(g, opt, P)
    return optax.apply_updates(P, u), opt, loss

rng, t0, run = np.random.default_rng(1), time.time(), []
for s in range(1, a.steps + 1):
    x, y = batch(rng, B)
    params, opt, loss = step(params, opt, jnp.asarray(x), jnp.asarray(y)); run.append(float(loss))
    if s % 100 == 0 or s == a.steps:
        print(f"step {s:5d} loss {np.mean(run[-100:]):.4f} ({time.time() - t0:.0f}s)", flush=True)

x, y = batch(np.random.default_rng(99), 64)                 # fresh rows: 4,096 flags
pred = np.asarray(jax.jit(forward)(params, jnp.asarray(x))[:, 1::2][..., [NEW, OLD]].argmax(-1))
truth = y[:, 1::2] == OLD
print(f"model {a.model} {a.head if a.model == 'ref' else a.flan} seed {a.seed} loss on {a.loss} steps {a.steps} lr {a.lr} pool {a.pool}: final loss {np.mean(run[-100:]):.4f}; "
      f"flag accuracy {100 * (pred == truth).mean():.1f} (constant answer {100 * max(truth.mean(), 1 - truth.mean()):.1f}); "
      f"OLD flags {100 * (pred[truth] == 1).mean():.1f}, NEW flags {100 * (pred[~truth] == 0).mean():.1f}")
