"""Trial: membership with a dense signal. Rows of random tokens drawn from a small pool (so that some repeat), each
followed by a flag: NEW if the token has not occurred earlier in its row, OLD if it has; the loss is on the flags
only (about 64 labels a row instead of one). Trained alone from scratch with the demo's model; prints the flag
accuracy on fresh rows (the constant answer scores the share of the majority flag, printed beside it).
usage: [INIT=WORKDIR] python bench/trials/seen_before.py OUT STEPS LEARNING_RATE [POOL]
INIT starts from a trained work directory (e.g. a demo's warmup, whose model copies) instead of from scratch."""
import os, sys, numpy as np, jax.numpy as jnp
from pathlib import Path
from flan_nb.inputs import decoder_rows
from alone import train_alone

out, steps, lr = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
pool = int(sys.argv[4]) if len(sys.argv) > 4 else 80
NEW, OLD, LENGTH = 5, 6, 128

def row(rng):
    """One row: `LENGTH // 2` tokens from a random pool of `pool` ids, each followed by its flag; (tokens, flag mask)."""
    ids = rng.choice(np.arange(10, 2048), pool, replace=False)
    toks = rng.choice(ids, LENGTH // 2)
    seen, seq = set(), []
    for t in toks:
        seq += [int(t), OLD if t in seen else NEW]; seen.add(int(t))
    seq = np.array(seq); flags = np.zeros(LENGTH, bool); flags[1::2] = True
    return seq, flags

def batches(n, seed):
    rng = np.random.default_rng(seed)
    while True:
        b = decoder_rows(n, LENGTH)
        for r in range(n):
            seq, flags = row(rng)
            b["decoder_target_tokens"][r] = seq
            b["decoder_input_tokens"][r] = np.concatenate([[0], seq[:-1]])
            b["decoder_segment_ids"][r], b["decoder_positions"][r] = 1, np.arange(LENGTH)
            b["decoder_loss_weights"][r] = flags
        yield b

model = train_alone(out, batches(16, 1), steps, lr, os.environ.get("INIT"))
rng = np.random.default_rng(99)
seqs = [row(rng)[0] for _ in range(32)]
x = np.stack([np.concatenate([[0], s[:-1]]) for s in seqs])
pred = np.asarray(model(jnp.asarray(x))[:, 1::2][..., [NEW, OLD]].argmax(-1))
truth = np.stack([s[1::2] == OLD for s in seqs])
print(f"flag accuracy {100 * (pred == truth).mean():.1f}; constant answer {100 * max(truth.mean(), 1 - truth.mean()):.1f}")
print(f"on OLD flags {100 * (pred[truth] == 1).mean():.1f}, on NEW flags {100 * (pred[~truth] == 0).mean():.1f}")
