"""Trial: a tied model learns to copy, an untied one learns membership (RESULTS.md §10). Can one model have both?
flan_nb's model with the demo's config is first warmed up *tied* on the demo's copy rows (random tokens said twice,
4 to 32 tokens apart, language-modelling loss on every token; the demo's warm-up recipe), then trained on §9's
NEW/OLD rows (loss on the flags only), either still tied or untied at that point (`--untie`: the output head starts
as a copy of the input embedding, transposed, so the model's outputs do not change at the switch). `--mix K` puts K
copy rows in each NEW/OLD batch of 16, to keep the copying. Prints the copy gain (nats per token saved on a repeat,
as `flan_nb.demo.copy_probe`) after each phase and the flag accuracy on fresh rows at the end. Plain JAX + optax loop
(the one of reference_seen_before.py), so that only the model comes from flan_nb.
usage: python bench/trials/untie_after_warmup.py [--untie] [--mix 0] [--warmup 400] [--steps 1500] [--lr 1e-3] [--seed 0]"""
import argparse, time, numpy as np, jax, jax.numpy as jnp, optax
from flax import nnx
from flan_nb.model import Transformer, ModelConfig

p = argparse.ArgumentParser()
p.add_argument("--untie", action="store_true"); p.add_argument("--mix", type=int, default=0)
p.add_argument("--warmup", type=int, default=400); p.add_argument("--steps", type=int, default=1500)
p.add_argument("--lr", type=float, default=1e-3); p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
NEW, OLD, LENGTH, VOCAB = 5, 6, 128, 2048
CFG = dict(d_model=128, n_layers=3, n_heads=4, n_kv_heads=2, head_dim=32, d_ff=384, max_seq_len=256, init_std=0.02,
           vocab_size=VOCAB, previous_token=True)   # the demo's model (flan_nb.demo.demo_config().model)

def copy_row(rng):
    """Random tokens said twice, 4 to 32 apart, each pair its own packed segment (as `flan_nb.demo.repeat_rows`, the
    demo's warm-up rows); (tokens, loss weights, segment ids), position i predicting tokens[i + 1]."""
    seq, seg = [0], [1]
    while len(seq) - 1 + 64 <= LENGTH:
        h = int(rng.integers(4, 33)); r = list(rng.integers(3, VOCAB, h)); seq += r + r; seg += [seg[-1] + 1] * (2 * h)
    n = len(seq) - 1
    tok, w, sid = np.zeros(LENGTH + 1, int), np.zeros(LENGTH, bool), np.zeros(LENGTH, int)
    tok[:n + 1] = seq
    sid[:n] = seg[1:]                          # input i (token i) belongs to the segment of its target, token i + 1
    w[:n] = np.array(seg[1:]) == np.array(seg[:-1])   # no loss where the target starts a new segment
    return tok, w, sid

def flag_row(rng, pool=80):
    "§9's row: LENGTH // 2 tokens from a pool of 80 ids, each followed by NEW or OLD; the loss on the flags only."
    ids = rng.choice(np.arange(10, VOCAB), pool, replace=False)
    seen, seq = set(), [0]
    for t in rng.choice(ids, LENGTH // 2):
        seq += [int(t), OLD if t in seen else NEW]; seen.add(int(t))
    w = np.zeros(LENGTH, bool); w[1::2] = True        # position i predicts seq[i + 1]: flags sit at odd positions
    return np.array(seq), w, np.ones(LENGTH, int)

def batch(rng, kinds):
    rows = [copy_row(rng) if k == "copy" else flag_row(rng) for k in kinds]
    s, w, sid = (np.stack([r[i] for r in rows]) for i in range(3))
    return jnp.asarray(s[:, :-1]), jnp.asarray(s[:, 1:]), jnp.asarray(w, jnp.float32), jnp.asarray(sid)

def loss_fn(P, gdef, x, y, w, sid):
    nll = optax.softmax_cross_entropy_with_integer_labels(nnx.merge(gdef, P)(x, segment_ids=sid), y)
    return (nll * w).sum() / w.sum()

def train(gdef, P, steps, lr, kinds, rng, warm=20):
    sched = optax.join_schedules([optax.linear_schedule(0.0, lr, warm), optax.cosine_decay_schedule(lr, max(steps - warm, 1))], [warm])
    tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(sched, weight_decay=0.0)); opt = tx.init(P)
    @jax.jit
    def step(P, opt, x, y, w, sid):
        loss, g = jax.value_and_grad(loss_fn)(P, gdef, x, y, w, sid)
        u, opt = tx.update(g, opt, P)
        return optax.apply_updates(P, u), opt, loss
    t0, run = time.time(), []
    for s in range(1, steps + 1):
        P, opt, loss = step(P, opt, *batch(rng, kinds)); run.append(float(loss))
        if s % 100 == 0 or s == steps: print(f"  step {s:5d} loss {np.mean(run[-100:]):.4f} ({time.time() - t0:.0f}s)", flush=True)
    return P

def copy_gain(gdef, P, n=32, seed=7):
    "Mean loss on random tokens (16 to 32 of them) the first time minus the second time, as demo.copy_probe."
    rng, gains = np.random.default_rng(seed), []
    model = nnx.merge(gdef, P)
    for _ in range(n):
        h = int(rng.integers(16, 33)); r = rng.integers(3, VOCAB, h); s = np.concatenate([r, r])[None]
        nll = np.asarray(optax.softmax_cross_entropy_with_integer_labels(model(jnp.asarray(s[:, :-1])), jnp.asarray(s[:, 1:])))[0]
        gains.append(nll[:h - 1].mean() - nll[h:2 * h - 1].mean())
    return float(np.mean(gains))

def flags(gdef, P):
    rng = np.random.default_rng(99)
    rows = [flag_row(rng) for _ in range(64)]
    s = np.stack([r[0] for r in rows])
    pred = np.asarray(nnx.merge(gdef, P)(jnp.asarray(s[:, :-1]))[:, 1::2][..., [NEW, OLD]].argmax(-1))
    truth = s[:, 2::2] == OLD
    return (f"flag accuracy {100 * (pred == truth).mean():.1f} (constant answer {100 * max(truth.mean(), 1 - truth.mean()):.1f}); "
            f"OLD flags {100 * (pred[truth] == 1).mean():.1f}, NEW flags {100 * (pred[~truth] == 0).mean():.1f}")

rng = np.random.default_rng(a.seed + 1)
gdef, P = nnx.split(Transformer(ModelConfig(**CFG), nnx.Rngs(a.seed)), nnx.Param)
print(f"warm-up, tied: {a.warmup} steps of copy rows at 3e-3, batch 8")
P = train(gdef, P, a.warmup, 3e-3, ["copy"] * 8, rng)
print(f"after the warm-up: copy gain {copy_gain(gdef, P):.2f}; {flags(gdef, P)}")
if a.untie:
    d = nnx.to_pure_dict(P); d["lm_head"] = jnp.asarray(d["embed"]).T
    gdef, P = nnx.split(Transformer(ModelConfig(**CFG, tie_embeddings=False), nnx.Rngs(a.seed)), nnx.Param)
    nnx.replace_by_pure_dict(P, d)
    print(f"untied (the head a copy of the embedding): copy gain {copy_gain(gdef, P):.2f}")
print(f"NEW/OLD rows, {'untied' if a.untie else 'tied'}: {a.steps} steps at {a.lr}, batch 16 with {a.mix} copy rows")
P = train(gdef, P, a.steps, a.lr, ["copy"] * a.mix + ["flag"] * (16 - a.mix), rng)
print(f"RESULT untie={a.untie} mix={a.mix} seed={a.seed} warmup={a.warmup} steps={a.steps} lr={a.lr}: "
      f"copy gain {copy_gain(gdef, P):.2f}; {flags(gdef, P)}")
