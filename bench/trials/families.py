"""Trial: the demo's tuning with generated reading families in the mixture (flan_nb/mini/families.py, FAMILIES=N of
them), from the demo's base; scores held-out NLI, mini_boolq and a few families per phenomenon beside the headroom.
usage: PYTHONPATH=W FAMILIES=N python bench/trials/families.py DEMO_OUT OUT STEPS LEARNING_RATE [MIXTURE]
W: a worktree with bench/trials/mini_families.diff applied; DEMO_OUT: a `flan-nb demo --out` directory (its base and
vocabulary). Results: bench/trials/RESULTS.md section 16."""
import sys, json
from pathlib import Path
import pandas as pd
from flan_nb.demo import demo_config, run_configs, run_data, headroom_table
from flan_nb.trainer import train
from flan_nb.checkpointing import restore_model
from flan_nb.evaluation import evaluate
from flan_nb.mini import families as F
pd.set_option("display.width", 250)
demo, out, steps, lr = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
c = demo_config(); c.out = demo
c.tune.steps, c.tune.learning_rate = steps, lr
t = run_configs(c, f"spm:{Path(demo) / 'vocab.model'}")["tuned"]
t.workdir, t.model.init_from = out, str(Path(demo) / "base")
if len(sys.argv) > 5: t.data.mixture = sys.argv[5]
t.train.progress = False
print("families:", len(F.FAMILIES), "mixture:", t.data.mixture, flush=True)
if not Path(out, "checkpoints").exists(): train(t, data=run_data(c, "tuned", t))
model, v, _ = restore_model(out)
fams = [F.FAMILIES[i][0] for i in (0, 1, 12, 16, 20) if i < len(F.FAMILIES)]
r = evaluate(model, v, ["mini_nli", "mini_rte", "mini_boolq"], max_examples=300, bootstrap=0, dev_split=None,
             progress=False, collection="mini")
print(headroom_table({"tuned": r}).to_string(index=False))
if fams:
    rf = evaluate(model, v, fams, max_examples=100, max_templates=3, bootstrap=0, dev_split=None, progress=False, collection="mini")
    print(rf.datasets()[["dataset", "mean", "std", "templates"]].to_string(index=False))
