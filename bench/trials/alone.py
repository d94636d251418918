"""Shared by the trials that train the demo's model on synthetic rows alone (membership_scratch.py, seen_before.py)."""
import shutil
from pathlib import Path
from flan_nb import mini
from flan_nb.demo import demo_config, run_configs
from flan_nb.trainer import train
from flan_nb.checkpointing import restore_model

def train_alone(out: Path, batches, steps: int, lr: float, init: str | None = None):
    """Train the demo's model (its warm-up settings, batch 16) on `batches` for `steps` steps at learning rate `lr`,
    from scratch or from the work directory `init`, into `out/run`; returns the trained model."""
    c = demo_config(); c.out = str(out)
    vocab = mini.mini_vocab(vocab_size=c.vocab_size)
    out.mkdir(parents=True, exist_ok=True); shutil.copy(vocab.sentencepiece_model_file, out / "vocab.model")
    w = run_configs(c, f"spm:{out / 'vocab.model'}")["warmup"]
    w.workdir, w.train.progress, w.data.batch_size = str(out / "run"), False, 16
    w.train.steps = w.optimizer.decay_steps = steps
    w.optimizer.learning_rate = lr
    if init: w.model.init_from = init
    train(w, data=batches)
    return restore_model(w.workdir)[0]
