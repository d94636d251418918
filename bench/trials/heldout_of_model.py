"""Score trained models (work directories) on FLAN-mini datasets per phenomenon, beside the headroom.
usage: python bench/trials/heldout_of_model.py NAME=WORKDIR [NAME=WORKDIR ...] [-- DATASET ...]
(default datasets: the held-out NLI cluster, mini_nli and mini_rte; test split, 300 examples, 8 templates)"""
import sys
import pandas as pd
from flan_nb.checkpointing import restore_model
from flan_nb.demo import headroom_table
from flan_nb.evaluation import evaluate
pd.set_option("display.width", 250)
args = sys.argv[1:]
datasets = args[args.index("--") + 1:] if "--" in args else ["mini_nli", "mini_rte"]
runs = dict(a.split("=", 1) for a in (args[:args.index("--")] if "--" in args else args))
results = {}
for name, wd in runs.items():
    model, v, _ = restore_model(wd)
    results[name] = evaluate(model, v, datasets, max_examples=300, bootstrap=0, dev_split=None, progress=False,
                             collection="mini")
print(headroom_table(results).to_string(index=False))
