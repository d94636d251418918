"""Tune in the demo's mixture (held-out NLI) starting from any trained model (e.g. one tuned on `mini_boolq` alone
first: a curriculum), then score `mini_boolq` and the held-out cluster per phenomenon beside the headroom.
usage: python bench/trials/curriculum.py DEMO_OUT FIRST_WORKDIR OUT STEPS LEARNING_RATE [NAME=TRAIN_SIZE ...]
DEMO_OUT: a `flan-nb demo --out` directory (its vocabulary); FIRST_WORKDIR: the model tuning starts from."""
import sys
from pathlib import Path
import pandas as pd
from train_sizes import set_train_sizes
set_train_sizes({k: int(v) for k, v in (a.split("=") for a in sys.argv[6:])})
from flan_nb.demo import demo_config, run_configs, headroom_table
from flan_nb.trainer import train
from flan_nb.checkpointing import restore_model
from flan_nb.evaluation import evaluate
pd.set_option("display.width", 250)
demo, first, out, steps, lr = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
c = demo_config(); c.out = demo
t = run_configs(c, f"spm:{Path(demo) / 'vocab.model'}")["tuned"]
t.workdir, t.model.init_from = out, first
t.train.steps = t.optimizer.decay_steps = steps
t.optimizer.learning_rate, t.optimizer.warmup_steps, t.train.progress = lr, 20, False
if not Path(out, "checkpoints").exists(): train(t)
model, v, _ = restore_model(out)
r = evaluate(model, v, ["mini_boolq", "mini_nli", "mini_rte"], max_examples=300, bootstrap=0, dev_split=None,
             progress=False, collection="mini")
print(headroom_table({"tuned": r}).to_string(index=False))
