"""Prompt training on a real device mesh, which a notebook cell cannot have (its JAX starts with one CPU device): a
subprocess with four CPU devices trains the same prompt without a mesh and on a 2 (data) x 2 (tensor) mesh, from the
same start on the same batches, and compares (issue 22 §2)."""
import json, os, subprocess, sys, textwrap
from conftest import xla_flags

DRIVER = textwrap.dedent("""
    import json
    import flan_nb
    import numpy as np, jax, optax
    from flax import nnx
    from flan_nb import partitioning as part
    from flan_nb.model import Transformer, get_config
    from flan_nb.prompt_tuning import PromptTuned, sampled_vocab_init, train_prompt_state
    assert len(jax.devices()) == 4, jax.devices()
    cfg = get_config("tiny-flan")
    def rows(seed, n=4, length=32):
        r = np.random.default_rng(seed)
        toks = r.integers(3, 259, (n, length)).astype(np.int32)
        seg = np.ones((n, length), np.int32); seg[:, length - 5:] = 0; toks[seg == 0] = 0
        w = np.zeros((n, length), np.float32); w[:, 12:length - 5] = 1
        return {"decoder_target_tokens": toks, "decoder_input_tokens": np.pad(toks[:, :-1], ((0, 0), (1, 0))),
                "decoder_segment_ids": seg, "decoder_positions": np.broadcast_to(np.arange(length, dtype=np.int32), (n, length)).copy(),
                "decoder_loss_weights": w}
    batches = [rows(s) for s in range(3)]
    start = sampled_vocab_init(Transformer(cfg, nnx.Rngs(0)), 4, range(3, 259), seed=1)
    tx = optax.adamw(3e-2, weight_decay=0.0)
    out = {}
    for name, mesh in (("single", None), ("mesh", part.make_mesh(2, 1, 2))):
        m = PromptTuned(Transformer(cfg, nnx.Rngs(0)), start)
        hist, _ = train_prompt_state(m, batches, tx, 3, mesh=mesh)
        out[name] = {"prompt": np.asarray(m.prompt[...]).tolist(), "losses": [h["loss"] for h in hist],
                     "devices": len(m.prompt[...].sharding.device_set), "spec": str(getattr(m.prompt[...].sharding, "spec", None))}
    try: train_prompt_state(PromptTuned(Transformer(cfg, nnx.Rngs(0)), start), [rows(9, n=3)], tx, 1, mesh=part.make_mesh(2, 1, 2))
    except ValueError as e: out["refusal"] = str(e)
    print("RESULT " + json.dumps(out), flush=True)
""")

def test_prompt_training_on_a_mesh():
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3",
           "XLA_FLAGS": xla_flags("--xla_force_host_platform_device_count=4")}
    r = subprocess.run([sys.executable, "-c", DRIVER], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    out = json.loads(next(l for l in r.stdout.splitlines() if l.startswith("RESULT "))[len("RESULT "):])
    single, mesh = out["single"], out["mesh"]
    assert (mesh["devices"], single["devices"]) == (4, 1)                # the mesh run did run on four devices
    assert mesh["spec"] == "P()"                                        # with the prompt replicated
    assert single["losses"][-1] < single["losses"][0]                     # the prompt did train
    for a, b in zip(single["losses"], mesh["losses"]): assert abs(a - b) < 1e-4, (single["losses"], mesh["losses"])
    diff = max(abs(x - y) for ra, rb in zip(single["prompt"], mesh["prompt"]) for x, y in zip(ra, rb))
    assert diff < 1e-4, diff
    assert "do not split over the mesh's 2 batch shards" in out["refusal"]
