"""Probes of demo bases: recall_probe and the three-way reading probe per phenomenon (summed log-likelihood).
usage: python bench/trials/probe_base.py WORKDIR [WORKDIR ...]"""
import sys, numpy as np
from flan_nb import mini
from flan_nb.mini.collection import _world
from flan_nb.checkpointing import restore_model
from flan_nb.demo import recall_probe
from flan_nb.evaluation import ScoreRequest, score_requests, predict
for wd in sys.argv[1:]:
    model, vocab, _ = restore_model(wd)
    r = recall_probe(model, vocab, 300)
    items = mini.reading_items(_world(0), 300)
    reqs = [ScoreRequest(list(vocab.encode(it["prompt"])), [list(vocab.encode(o)) for o in it["options"]]) for it in items]
    s = score_requests(model, reqs)
    picks = np.array([predict(ll, nt)["sum"] for ll, nt in zip(s.loglik, s.n_tokens)])
    ph = {}
    for it, p in zip(items, picks): ph.setdefault(it["phenomenon"], []).append(p == it["answer"])
    print(wd, {k: round(v, 1) for k, v in r.items()}, "picks", np.bincount(picks, minlength=3), {k: round(100*np.mean(v)) for k, v in ph.items()})
