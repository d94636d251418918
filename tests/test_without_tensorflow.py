"""The model, the partitioning and the trainer's step run where TensorFlow, seqio and TFDS are not installed (the GPU
image `bench/` checks on has JAX alone): they are imported only where data is read. Each check runs in a fresh
Python in which importing any of them fails, as it would there."""
import json, os, subprocess, sys, textwrap
from conftest import xla_flags

BLOCKED = ("tensorflow", "seqio", "tensorflow_datasets", "tensorflow_text")
# Importing a blocked package fails; looking one up without importing it (`importlib.util.find_spec`, as etils does
# to decide whether TensorFlow's file system is there) finds nothing, as where it is not installed.
PRELUDE = textwrap.dedent(f"""
    import importlib.abc, importlib.util, sys
    BLOCKED = {BLOCKED!r}
    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED: raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the test)")
    sys.meta_path.insert(0, NotInstalled())
    _find_spec = importlib.util.find_spec
    importlib.util.find_spec = lambda name, package=None: None if name.split(".")[0] in BLOCKED else _find_spec(name, package)
""")

def fresh(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": xla_flags("--xla_force_host_platform_device_count=2")}
    return subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)], env=env, capture_output=True,
                          text=True, timeout=300)

def test_the_blocker_blocks():
    "The check can fail: with the blocker, reading data (seqio) does not import."
    r = fresh("import flan_nb.tasks")
    assert r.returncode != 0 and "blocked by the test" in r.stderr, r.stderr[-2000:]

def test_train_steps_without_tensorflow(tmp_path):
    "Two sharded steps of the default model on synthetic rows, checkpointed, with no TensorFlow, seqio or TFDS."
    r = fresh(f"""
        import json, sys
        import numpy as np
        import flan_nb.model, flan_nb.partitioning
        from flan_nb.config import default_config
        from flan_nb.trainer import train
        c = default_config()
        c.workdir = {str(tmp_path / "run")!r}
        c.data.update(mixture="synthetic", inputs_length=48, targets_length=16, batch_size=4)
        c.train.update(steps=2, progress=False, print_config=False)
        c.checkpoint.update(every=2, use_async=False)
        c.mesh.update(data=2)
        r = train(c)
        assert all(np.isfinite(r.losses())), r.losses()
        print(json.dumps({{"losses": r.losses(), "loaded": sorted(m for m in {BLOCKED!r} if m in sys.modules)}}))
    """)
    assert r.returncode == 0, r.stderr[-4000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(out["losses"]) == 2 and out["loaded"] == []
    assert (tmp_path / "run" / "checkpoints" / "2").is_dir()
    assert len((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()) == 2
    assert "no TensorBoard logs" in r.stdout                          # said, not silently skipped

def test_lm_eval_backend_without_tensorflow():
    """The lm-eval model (`flan_nb.lm_eval_backend.FlanLM`) scores and generates with no TensorFlow or seqio: only
    loading a vocabulary by name needs seqio, and any object with `encode`, `decode` and `eos_id` serves as one."""
    r = fresh("""
        import json, sys
        from flax import nnx
        from lm_eval.api.instance import Instance
        from flan_nb.evaluation import ScoreRequest, score_slow
        from flan_nb.lm_eval_backend import FlanLM
        from flan_nb.model import Transformer, get_config
        class Bytes:
            eos_id, bos_id = 1, None
            def encode(self, s): return [b + 3 for b in s.encode()]
            def decode(self, ids): return bytes(i - 3 for i in ids if 3 <= i < 259).decode(errors="replace")
        model = Transformer(get_config("tiny", vocab_size=264, max_seq_len=64), nnx.Rngs(0))
        lm = FlanLM(model=model, vocab=Bytes())
        [(ll, _)] = lm.loglikelihood([Instance("loglikelihood", None, ("Is it?", " yes"), 0)], disable_tqdm=True)
        slow = score_slow(model, ScoreRequest(Bytes().encode("Is it?"), [Bytes().encode(" yes")]))[0]
        [gen] = lm.generate_until([Instance("generate_until", None, ("Hi", {"until": ["?"], "max_gen_toks": 4}), 0)],
                                  disable_tqdm=True)
        print(json.dumps({"ll": ll, "slow": float(slow), "gen": gen, "loaded": sorted(m for m in BLOCKED if m in sys.modules)}))
    """)
    assert r.returncode == 0, r.stderr[-4000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["loaded"] == [] and abs(out["ll"] - out["slow"]) < 1e-4, out
    assert "?" not in out["gen"] and len(out["gen"]) <= 4, out     # one character at most per byte token

def test_prompt_tuning_without_tensorflow(tmp_path):
    """Prompt tuning (`flan_nb.prompt_tuning`) trains a prompt, saves it and loads it back onto its base with no
    TensorFlow or seqio: only `prompt_tune`, which reads a FLAN task, needs them."""
    r = fresh(f"""
        import json, sys
        import numpy as np
        from flax import nnx
        from flan_nb.config import default_config
        from flan_nb.inputs import synthetic_batches
        from flan_nb.model import Transformer, get_config
        from flan_nb.prompt_tuning import PromptTuned, load_prompt, sampled_vocab_init, save_prompt, train_prompt
        from flan_nb.step import optimizer
        base = Transformer(get_config("tiny-flan"), nnx.Rngs(0))
        m = PromptTuned(base, sampled_vocab_init(base, 4, range(3, 259)))
        start = np.array(m.prompt[...])
        tx, _ = optimizer(default_config().optimizer, 2)
        hist = train_prompt(m, synthetic_batches(264, 2, 32, 8), tx, 2)
        back = load_prompt(save_prompt({str(tmp_path / "prompt")!r}, m, {str(tmp_path)!r}), base=base)
        print(json.dumps({{"finite": [h["finite"] for h in hist], "moved": bool((np.asarray(back.prompt[...]) != start).any()),
                          "loaded": sorted(x for x in {BLOCKED!r} if x in sys.modules)}}))
    """)
    assert r.returncode == 0, r.stderr[-4000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out == {"finite": [True, True], "moved": True, "loaded": []}, out


def test_gpu_check_smoke_without_tensorflow(tmp_path):
    """`bench/gpu_check.sh --smoke` (the GPU check at tiny shapes on the CPU: attention, the training step beside
    PyTorch, rank classification beside transformers) runs where TensorFlow, seqio and TFDS cannot be imported, as on
    the GPU image; the blocker reaches every Python the script starts through a `sitecustomize` module."""
    (tmp_path / "sitecustomize.py").write_text(PRELUDE)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PY": sys.executable, "JAX_PLATFORMS": "cpu"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    blocked = subprocess.run([sys.executable, "-c", "import seqio"], env=env, capture_output=True, text=True)
    assert blocked.returncode != 0 and "blocked by the test" in blocked.stderr, blocked.stderr[-2000:]
    r = subprocess.run(["bash", "bench/gpu_check.sh", "--smoke"], cwd=root, env=env, capture_output=True, text=True,
                       timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "CUDNN ATTENTION REJECTED, FALLING BACK TO attention='xla'" in out, out[-4000:]   # loud, never silent
    assert "checks: params equal, target tokens per step" in out, out[-4000:]
    assert "checks: predictions agree on 12/12 examples" in out, out[-4000:]
