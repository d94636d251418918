"""Do membership rows teach a membership head? Accuracy on fresh rows and the copy gain of the trial bases."""
import sys, numpy as np, jax.numpy as jnp
# the rows of membership_warmup.py, rebuilt here (ids of its vocabulary)
from flan_nb.checkpointing import restore_model
from flan_nb.demo import copy_probe
for wd in ["/tmp/trials/m1/warmup", "/tmp/trials/m1/base", "/tmp/trials/d2/base"]:
    model, vocab, _ = restore_model(wd)
    YES, NO, Q = 1234, 1236, 1154
    rng = np.random.default_rng(123); right = []
    for _ in range(200):
        h = int(rng.integers(4, 41)); s = rng.integers(3, 2048, h); inside = rng.random() < 0.5
        q = int(rng.choice(s)) if inside else int(next(x for x in rng.integers(3, 2048, 50) if x not in s))
        seq = np.concatenate([[0], s, [Q, q]])[None]
        logits = np.asarray(model(jnp.asarray(seq)))[0, -1]
        right.append((logits[YES] > logits[NO]) == inside)
    print(wd, "membership acc", np.mean(right), "copy", round(copy_probe(model)["gain"], 2))
