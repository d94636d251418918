"""Accuracy of a trained model (work directory) on FLAN-mini datasets in the no-template format (template 0's fields, no
instruction, no options), per phenomenon; test split, 300 examples.
usage: python bench/trials/no_template_of_model.py WORKDIR DATASET [DATASET ...]"""
import sys, collections
from flan_nb.checkpointing import restore_model
from flan_nb.tasks import task, configure
from flan_nb.evaluation import score_task
from flan_nb.mini import collection
model, v, _ = restore_model(sys.argv[1])
configure(vocabulary=v)
for ds in sys.argv[2:]:
    name = task(ds, 0, 0, scoring=True, fmt="no_template").name
    reqs, meta, sc, picks = score_task(model, name, "test", 300, "tfds")
    exs = collection.examples(ds, "test")
    by = collections.defaultdict(list)
    for r, p, m in zip(reqs, picks, meta):
        ok = p["sum"] == m["answer"]
        by["all"].append(ok); by[exs[m["idx"]].get("phenomenon", "-")].append(ok)
    print(ds, {k: round(100 * sum(x) / len(x), 1) for k, x in by.items()})
