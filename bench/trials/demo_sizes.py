"""Trial: the demo with more generated training examples for some FLAN-mini datasets (the world can make as many as
asked; every other dataset keeps `mini.SIZES`). The rest of the command line goes to `flan-nb demo`.
usage: python bench/trials/demo_sizes.py mini_boolq=20000 [NAME=N ...] -- [flan-nb demo arguments]"""
import sys
from flan_nb.mini import collection
from flan_nb import cli
from train_sizes import set_train_sizes

split = sys.argv.index("--")
train = {k: int(v) for k, v in (a.split("=") for a in sys.argv[1:split])}
set_train_sizes(train)
print("training examples:", train, "(others", collection.SIZES["train"], ")", flush=True)
sys.argv = ["flan-nb", "demo"] + sys.argv[split + 1:]
cli.main()
