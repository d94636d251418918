"""Rank-classification benchmark for the GPU check (bench/gpu_check.sh, issue 21 §2): examples/s of flan_nb's packed
scorer (`evaluation.score_requests`: the options of an example share one row with their prompt, logits only at the
option tokens) against transformers' batched log-likelihoods (one right-padded `prompt + option` sequence per option,
full logits, what lm-eval's Hugging Face backend computes), on one random-weight Llama-shaped model (flan_nb's
weights copied into a `LlamaForCausalLM` by `convert.hf_tensors`), the same token requests, in one process; the
predicted options and log-likelihoods are compared. Needs neither TensorFlow, seqio, TFDS nor lm-eval.

    python bench/gpu_rank.py                     # Llama-3.2-1B's shape, bf16 compute, 256 examples (on a GPU)
    python bench/gpu_rank.py --smoke             # tiny shapes, f32, on the CPU: the check that it runs and agrees

Requests are random token ids (seeded): prompts of `--prompt` lo,hi tokens, 2-4 options of 1-8 tokens. Each side is
timed as the median of `--reps` runs after one untimed run (which compiles flan_nb's program). On a GPU both sides
run there in bf16 (flan_nb: f32 parameters, bf16 compute; torch: the model cast to bf16), so their log-likelihoods
differ by bf16 rounding, and options within that distance of each other may be ranked differently: the printout says
how many predictions agree and the largest difference. Timings are printed, never asserted.
"""
import argparse, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before torch loads libgomp: see bench/train_throughput.py
os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.45")  # on a GPU, leave torch's side room in the same process
import numpy as np
import jax
from flax import nnx
import torch
from transformers import LlamaForCausalLM
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import timed
from train_throughput import torch_config, torch_device   # one LlamaConfig mapping and device rule for the GPU check
from flan_nb.convert import hf_tensors
from flan_nb.evaluation import ScoreRequest, score_requests
from flan_nb.model import Transformer, get_config


def make_requests(n, vocab_size, prompt_range, seed):
    "`n` random requests: a prompt of `prompt_range` tokens and 2-4 options of 1-8 tokens each."
    rng = np.random.default_rng(seed)
    ids = lambda k: rng.integers(3, vocab_size, k).tolist()
    return [ScoreRequest(ids(int(rng.integers(prompt_range[0], prompt_range[1] + 1))),
                         [ids(int(rng.integers(1, 9))) for _ in range(int(rng.integers(2, 5)))]) for _ in range(n)]


def torch_logliks(model, requests, batch_size, dev):
    "Per request, each option's summed log-likelihood from full-logit forward passes over right-padded batches."
    seqs = [(i, j, r.prompt + o, len(o)) for i, r in enumerate(requests) for j, o in enumerate(r.options)]
    seqs.sort(key=lambda s: -len(s[2]))                        # similar lengths share a batch, as lm-eval sorts them
    out = [np.zeros(len(r.options)) for r in requests]
    for s in range(0, len(seqs), batch_size):
        chunk = seqs[s:s + batch_size]
        width = max(len(c[2]) for c in chunk) - 1
        ids = torch.zeros((len(chunk), width), dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for k, (_, _, seq, _) in enumerate(chunk):
            ids[k, :len(seq) - 1] = torch.tensor(seq[:-1]); mask[k, :len(seq) - 1] = 1
        with torch.no_grad():
            logp = torch.log_softmax(model(input_ids=ids.to(dev), attention_mask=mask.to(dev)).logits.float(), -1).cpu()
        for k, (i, j, seq, n_opt) in enumerate(chunk):
            pos = torch.arange(len(seq) - 1 - n_opt, len(seq) - 1)
            out[i][j] = float(logp[k, pos, torch.tensor(seq[-n_opt:])].sum())
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="llama3.2-1b")
    p.add_argument("--examples", type=int, default=256)
    p.add_argument("--prompt", default="96,320", help="lo,hi prompt lengths in tokens")
    p.add_argument("--rows", type=int, default=32, help="flan_nb: packed rows per jitted call")
    p.add_argument("--batch-size", type=int, default=32, help="transformers: sequences (options) per forward pass")
    p.add_argument("--dtype", default=None, help="compute dtype (default: bfloat16 on a GPU, float32 on a CPU)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--smoke", action="store_true", help="tiny shapes on the CPU: --preset tiny, 12 examples, f32")
    a = p.parse_args()
    if a.smoke: a.preset, a.examples, a.prompt, a.rows, a.batch_size, a.reps = "tiny", 12, "10,30", 4, 8, 1
    gpu = jax.devices()[0].platform == "gpu"
    dtype = a.dtype or ("bfloat16" if gpu else "float32")
    lo, hi = map(int, a.prompt.split(","))
    cfg = get_config(a.preset, dtype=dtype, max_seq_len=max(get_config(a.preset).max_seq_len, 2 * hi))
    ours = Transformer(cfg, nnx.Rngs(0))
    dev = torch_device()
    ref = LlamaForCausalLM(torch_config(cfg))
    missing, unexpected = ref.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in hf_tensors(ours).items()}, strict=False)
    if set(missing) - {"lm_head.weight"} or unexpected:        # a tied lm_head is the embedding, loaded under its name
        raise SystemExit(f"FAIL: the weights do not map: missing {missing}, unexpected {unexpected}")
    ref = ref.to(dev, dtype=torch.bfloat16 if dtype == "bfloat16" else torch.float32).eval()
    reqs = make_requests(a.examples, cfg.vocab_size, (lo, hi), seed=0)
    n_opt = sum(len(r.options) for r in reqs)
    print(f"rank classification | {a.preset} ({dtype}), random weights | {len(reqs)} examples, {n_opt} options, prompts "
          f"{lo}-{hi} tokens | jax {jax.__version__} on {jax.devices()[0].device_kind}, torch {torch.__version__} on {dev}")
    ours_run = lambda: score_requests(ours, reqs, rows=a.rows)
    ref_run = lambda: torch_logliks(ref, reqs, a.batch_size, dev)
    ours_run(); ref_run()                       # untimed: compiles flan_nb's program, warms torch's kernels
    t_ours, sc = timed(ours_run, a.reps)
    t_ref, ll_ref = timed(ref_run, a.reps)
    pf = [int(np.argmax(ll)) for ll in sc.loglik]
    pr = [int(np.argmax(ll)) for ll in ll_ref]
    dmax = max(float(np.abs(f - r).max()) for f, r in zip(sc.loglik, ll_ref))
    print(f"{'':22} {'examples/s':>11} {'s per run':>10}")
    print(f"{'flan_nb (packed rows)':22} {len(reqs) / t_ours:11.2f} {t_ours:10.3f}   rows of {sc.layout['row_length']}, "
          f"{sc.layout['fill']:.0%} used, {a.rows} per call")
    print(f"{'transformers':22} {len(reqs) / t_ref:11.2f} {t_ref:10.3f}   one sequence per option, batch {a.batch_size}")
    print(f"checks: predictions agree on {sum(x == y for x, y in zip(pf, pr))}/{len(reqs)} examples, "
          f"max |dloglik| {dmax:.1e}")
    print(f"ratio flan_nb / transformers examples per second: {t_ref / t_ours:.2f}x")


if __name__ == "__main__":
    main()
