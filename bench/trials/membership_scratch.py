"""Trial: can the demo's model learn membership from scratch? Rows of random tokens, a marker and a query token, and
the answer Yes/No (was the query among the tokens?); trained alone, then scored on 100 fresh items (chance 50).
usage: [FIRST=1] [LO=4 HI=40] python bench/trials/membership_scratch.py OUT STEPS LEARNING_RATE [TOKENS]
FIRST=1 puts the query before the tokens (marker, query, tokens, marker -> answer); TOKENS (default 2048) is the
range the tokens are drawn from (ids 10..TOKENS-1)."""
import os, sys, numpy as np, jax.numpy as jnp
from pathlib import Path
from flan_nb.inputs import decoder_rows, place
from alone import train_alone

out, steps, lr = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
tokens = int(sys.argv[4]) if len(sys.argv) > 4 else 2048
first, lo, hi = os.environ.get("FIRST") == "1", int(os.environ.get("LO", 4)), int(os.environ.get("HI", 40))
YES, NO, MARK = 5, 6, 7

def item(rng, inside):
    s = rng.integers(10, tokens, int(rng.integers(lo, hi + 1)))
    q = int(rng.choice(s)) if inside else int(next(x for x in rng.integers(10, tokens, 200) if x not in s))
    return np.concatenate([[MARK, q], s, [MARK]]) if first else np.concatenate([s, [MARK, q]])

def rows(n, length, seed):
    rng = np.random.default_rng(seed)
    while True:
        b = decoder_rows(n, length)
        for r in range(n):
            at, seg = 0, 1
            while at + hi + 4 <= length:
                inside = rng.random() < 0.5
                seq = np.concatenate([item(rng, inside), [YES if inside else NO]])
                at, seg = place(b, r, at, seg, seq, n_inputs=len(seq) - 1), seg + 1
        yield b

model = train_alone(out, rows(16, 128, 1), steps, lr, None)
rng = np.random.default_rng(99)
right = [bool((lambda lg: (lg[YES] > lg[NO]) == (i % 2 == 0))(model(jnp.asarray(item(rng, i % 2 == 0)[None]))[0, -1])) for i in range(100)]
print(f"membership accuracy {100 * np.mean(right):.1f} (chance 50)")
