"""Trial: a warm-up with membership rows (random tokens, then a query token: was it among them? yes/no) beside the
copy rows, then the demo's pretraining; writes OUT/warmup and OUT/base. usage: python bench/trials/membership_warmup.py OUT [WARMUP_STEPS]"""
import sys, numpy as np
from pathlib import Path
from flan_nb import mini
from flan_nb.demo import demo_config, run_configs, repeat_rows, skill_batches, pretrain_task
from flan_nb.trainer import train
from flan_nb.inputs import decoder_rows, place
out = Path(sys.argv[1])
c = demo_config(); c.out = str(out)
vocab = mini.mini_vocab(vocab_size=c.vocab_size)
import shutil; out.mkdir(parents=True, exist_ok=True); shutil.copy(vocab.sentencepiece_model_file, out / "vocab.model")
spec = f"spm:{out / 'vocab.model'}"
pretrain_task(vocab, c.world_seed, c.reading_docs)
YES, NO, Q = vocab.encode(" Yes.")[-2], vocab.encode(" No.")[-2], vocab.encode("?")[-1]
print("ids", YES, NO, Q, vocab.tokenizer.id_to_piece(YES), vocab.tokenizer.id_to_piece(NO), vocab.tokenizer.id_to_piece(Q))

def member_rows(rows, length, vocab_size, seed):
    rng = np.random.default_rng(seed)
    while True:
        b = decoder_rows(rows, length)
        for r in range(rows):
            at, seg = 0, 1
            while at + 44 <= length:
                h = int(rng.integers(4, 41)); s = rng.integers(3, vocab_size, h)
                inside = rng.random() < 0.5
                q = int(rng.choice(s)) if inside else int(next(x for x in rng.integers(3, vocab_size, 50) if x not in s))
                seq = np.concatenate([s, [Q, q, YES if inside else NO]])
                at, seg = place(b, r, at, seg, seq, n_inputs=len(seq) - 1), seg + 1
        yield b

def mix(*gens):
    for parts in zip(*gens): yield {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

runs = run_configs(c, spec)
w = runs["warmup"]; w.train.progress = False
W = c.warmup; L = W.inputs_length + W.targets_length
steps = int(sys.argv[2]) if len(sys.argv) > 2 else W.steps
w.train.steps = w.optimizer.decay_steps = steps
w.data.batch_size = 2 * W.batch_size
train(w, data=mix(repeat_rows(W.batch_size, L, W.shortest, W.longest, c.model.vocab_size, c.seed),
                  member_rows(W.batch_size, L, c.model.vocab_size, c.seed + 7)))
b = runs["base"]; b.train.progress = False
P = c.pretrain
def pre():
    for batch, m in zip(skill_batches(c, b, "pretrain"), member_rows(2, P.inputs_length + P.targets_length, c.model.vocab_size, c.seed + 9)):
        yield {k: np.concatenate([m[k], v[2:]]) for k, v in batch.items()}
train(b, data=pre())
print("done", b.workdir)
