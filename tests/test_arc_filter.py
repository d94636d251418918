"""FLAN's ARC filter end to end: questions with 3 or 5 answer choices are dropped from an evaluation, and the results
say how many (generated questions stand in for the TFDS data through `tfds.testing.mock_data`)."""
import flan_nb  # noqa: F401  first: TensorFlow starts quietly
import tensorflow as tf
import tensorflow_datasets as tfds
from flax import nnx
from flan_nb import evaluation, tasks
from flan_nb.catalog import set_arc_choices
from flan_nb.model import Transformer, get_config

CHOICES = [3, 4, 4, 5, 4, 4]          # answer choices of the generated questions: two are not four-choice

def _question(i: int, n: int) -> dict:
    return {"id": f"gen_{i}", "question": f"Which answer is number {i}?", "answerKey": i % n,
            "choices": {"text": [f"answer {i}.{j}" for j in range(n)], "label": list(range(n))}}

_SIGNATURE = {"id": tf.TensorSpec((), tf.string), "question": tf.TensorSpec((), tf.string),
              "answerKey": tf.TensorSpec((), tf.int64),
              "choices": {"text": tf.TensorSpec((None,), tf.string), "label": tf.TensorSpec((None,), tf.int64)}}

def _as_dataset(self, *args, **kwargs) -> tf.data.Dataset:
    "Every split of the builder: the generated questions."
    return tf.data.Dataset.from_generator(lambda: (_question(i, n) for i, n in enumerate(CHOICES)), output_signature=_SIGNATURE)

def _evaluate(model):
    with tfds.testing.mock_data(as_dataset_fn=_as_dataset):
        return evaluation.evaluate(model, tasks.vocabulary(), [("arc_easy", 0)], source="tfds", dev_split=None,
                                   bootstrap=0, progress=False, max_len=256)

def test_arc_filter_drops_and_counts(monkeypatch):
    # the generated questions stand in for prepared TFDS data: the check that it is on disk is skipped
    monkeypatch.setattr(tasks, "check_data", lambda *a, **k: None)
    model = Transformer(get_config("tiny", vocab_size=264, max_seq_len=256), nnx.Rngs(0))
    res = _evaluate(model)
    s = res.summaries[0]
    assert (s["examples"], s["arc_choices"], s["dropped"]) == (4, 4, {"3 choices": 1, "5 choices": 1})
    assert res.settings["arc_choices"] == 4
    assert res.datasets().dropped.tolist() == [2]
    prev = set_arc_choices(None)                 # the filter off: every question is evaluated, none dropped
    try: res = _evaluate(model)
    finally: set_arc_choices(prev)
    s = res.summaries[0]
    assert (s["examples"], s["arc_choices"], s["dropped"]) == (len(CHOICES), None, {})
    assert res.settings["arc_choices"] is None
