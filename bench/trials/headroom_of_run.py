"""Print headroom_table (per dataset and phenomenon) of a demo results directory.
usage: python bench/trials/headroom_of_run.py OUT"""
import sys, json, pandas as pd
from pathlib import Path
from flan_nb.evaluation import EvalResults
from flan_nb.demo import headroom_table
pd.set_option("display.width", 250)
out = Path(sys.argv[1])
for sub in ("results", "seen"):
    runs = {}
    for k in ("base", "tuned", "no_template"):
        p = out / sub / f"{k}.json"
        if not p.exists(): continue
        r = EvalResults.from_json(p)
        pj = out / sub / f"{k}.predictions.jsonl"
        if pj.exists(): r.predictions = [json.loads(l) for l in open(pj)]
        if r.predictions: runs[k] = r
    if runs: print(headroom_table(runs).to_string(index=False))
