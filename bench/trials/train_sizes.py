"""Trial helper: generate more (or fewer) training examples for some FLAN-mini datasets than `mini.SIZES` gives (the
world can make as many as asked); every other dataset keeps `mini.SIZES`. Import and call before any data is read."""
import functools
from flan_nb.mini import collection

def set_train_sizes(train: dict[str, int]):
    "From now on, dataset `name`'s training split has `train[name]` examples where `train` names it."
    build = collection.build_dataset
    def _dataset(seed, name):
        sizes = dict(collection.SIZES, train=int(train.get(name, collection.SIZES["train"])))
        return build(collection._world(seed), name, sizes)
    collection._dataset = functools.lru_cache(maxsize=64)(_dataset)
