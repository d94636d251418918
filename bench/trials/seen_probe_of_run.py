"""The said-before probe (`flan_nb.demo.seen_probe`) of every model of a finished demo run, for runs made before the
demo printed it. usage: python bench/trials/seen_probe_of_run.py OUT [RUN ...]   (default runs: base tuned no_template)"""
import sys
from pathlib import Path
from flan_nb.checkpointing import restore_model
from flan_nb.demo import seen_probe, _one_piece

out, names = Path(sys.argv[1]), sys.argv[2:] or ["base", "tuned", "no_template"]
for name in names:
    if not (out / name).exists(): continue
    model, vocab, _ = restore_model(out / name)
    flags = tuple(_one_piece(vocab, w, "seen_words") for w in ("new", "again"))
    print(name, seen_probe(model, flags))
