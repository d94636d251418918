"""Tune a demo base on one FLAN-mini dataset alone and print its accuracy per phenomenon beside the headroom.
usage: [TRAIN_SIZE=N] [FORMAT=no_template] python bench/trials/tune_alone.py BASE_WORKDIR OUT DATASET STEPS LEARNING_RATE [loss_normalization]"""
import sys, json
import pandas as pd
from pathlib import Path
from flan_nb import mini
import os
if os.environ.get("TRAIN_SIZE"): mini.SIZES["train"] = int(os.environ["TRAIN_SIZE"])
from flan_nb.demo import demo_config, run_configs, headroom_table
from flan_nb.trainer import train
from flan_nb.checkpointing import restore_model
from flan_nb.evaluation import evaluate
pd.set_option("display.width", 250)
base, out, dataset, steps, lr = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
c = demo_config(); c.out = str(Path(base).parent)
t = run_configs(c, f"spm:{Path(base).parent / 'vocab.model'}")["tuned"]
t.workdir, t.model.init_from, t.data.mixture = out, base, f"task:{dataset}"
t.train.steps = t.optimizer.decay_steps = steps
t.optimizer.learning_rate, t.train.progress = lr, False
if len(sys.argv) > 6: t.train.loss_normalization = sys.argv[6]
if os.environ.get("FORMAT"): t.data.format = os.environ["FORMAT"]   # e.g. no_template

train(t) if not Path(out, "checkpoints").exists() else None
model, v, _ = restore_model(t.workdir)
r = evaluate(model, v, [dataset], max_examples=300, max_templates=3, bootstrap=0, dev_split=None, progress=False, collection="mini")
print(headroom_table({"tuned": r}).to_string(index=False))
