"""Data-pipeline benchmark: packed batches per second and target tokens per second from a FLAN held-out mixture,
side by side with the same seqio pipeline without packing (one padded example per row), in the same run.

    .venv/bin/python bench/data_pipeline.py                 # NLI held out, TFDS mock data, paper lengths 1024/256
    .venv/bin/python bench/data_pipeline.py --real          # the real TFDS data (must be on disk)
    .venv/bin/python bench/data_pipeline.py --heldout translation --examples 4000 --batch-size 8
    .venv/bin/python bench/data_pipeline.py --pipeline grain   # flan_nb.pipeline beside seqio's: first batch, resume

With `--pipeline grain` it times, for both pipelines in the same run, the first batch (from nothing to a batch in
hand), the steady rate after it, and a resume at two steps: seqio's pipeline re-reads every batch before the step,
Grain's restores its iterator's saved state.

Mock data has the real schemas but random values (random text lengths), so its tokens/s say how fast the pipeline is,
not how full real rows get; run with --real for that.
"""
import argparse, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
from flan_nb.mixtures import heldout_split
from flan_nb.packing import FLAN_LENGTHS, packing_stats, task_batches
from flan_nb.pipeline import mixture_batches


def examples_in(batch):
    seg = batch.get("decoder_segment_ids")
    if seg is None: return int((batch["decoder_target_tokens"] != 0).any(axis=1).sum())
    return sum(len(np.unique(r[r > 0])) for r in seg)


def timed(it, examples):
    "Batches of `it` until `examples` examples: (the batches, the examples, the seconds)."
    t0, seen, batches = time.perf_counter(), 0, []
    while seen < examples:
        batches.append(next(it)); seen += examples_in(batches[-1])
    return batches, seen, time.perf_counter() - t0


def run(name, pack, args):
    "Warm up on `--warmup` examples (TFDS builders, shuffle buffers of every task), then time `--examples` examples."
    it = task_batches(name, lengths=FLAN_LENGTHS, batch_size=args.batch_size, pack=pack, num_epochs=None,
                      source="tfds" if args.real else "mock", mock_examples=args.mock_examples, seed=0)
    t0, seen = time.perf_counter(), 0
    while seen < args.warmup: seen += examples_in(next(it))
    warm = time.perf_counter() - t0
    batches, seen, secs = timed(it, args.examples)
    st = packing_stats(batches)
    return {"batches_per_s": len(batches) / secs, "examples_per_s": seen / secs,
            "target_tokens_per_s": st["target_tokens_per_batch"] * len(batches) / secs,
            "non_padding": st["non_padding_fraction"], "examples_per_row": st["examples_per_row"], "warmup_s": warm}


def first_and_steady(make, args):
    "Seconds to the first batch of a new pipeline, then examples/s and target tokens/s over `--examples` examples."
    t0 = time.perf_counter()
    it = make()
    first = next(it)
    first_s = time.perf_counter() - t0
    got, seen, secs = timed(it, args.examples)
    st = packing_stats(got)
    return first_s, seen / secs, st["target_tokens_per_batch"] * len(got) / secs


def trainer_tokens_per_s(args, steps: int = 6) -> float:
    "Target tokens per second that `train` consumes with the model preset `--preset` on rows of FLAN's lengths."
    from flan_nb.config import default_config
    from flan_nb.trainer import train
    c = default_config()
    c.model.preset = args.preset
    c.data.update(mixture="synthetic", batch_size=args.batch_size)
    c.train.update(steps=steps, progress=False, print_config=False, log_every=steps)
    h = train(c).history[1:]                                 # the first step compiles
    return sum(x["target_tokens"] for x in h) / sum(x["step_time_s"] for x in h)


def compare_pipelines(split, args):
    "seqio's pipeline and flan_nb.pipeline (Grain) on the same split: first batch, steady rate, resume at two steps."
    source = "tfds" if args.real else "mock"
    name = split.register()
    seqio_it = lambda: iter(task_batches(name, lengths=FLAN_LENGTHS, batch_size=args.batch_size, num_epochs=None,
                                         source=source, mock_examples=args.mock_examples, seed=0))
    grain_ds = lambda: mixture_batches(split, FLAN_LENGTHS, args.batch_size, source, seed=0, mock_examples=args.mock_examples)
    rows = {"seqio": first_and_steady(seqio_it, args), "grain": first_and_steady(lambda: iter(grain_ds()), args)}
    print(f"{'':8} {'first batch s':>14} {'examples/s':>11} {'target tok/s':>13}")
    for k, (f, e, t) in rows.items(): print(f"{k:8} {f:14.1f} {e:11.0f} {t:13.0f}")
    print(f"first batch, seqio / grain: {rows['seqio'][0] / rows['grain'][0]:.1f}x; "
          f"steady target tokens/s, grain / seqio: {rows['grain'][2] / rows['seqio'][2]:.2f}x")
    print(f"the trainer consumes {trainer_tokens_per_s(args):.0f} target tokens/s (preset {args.preset}, the same rows, "
          "synthetic data, after the compiling step)")
    print(f"{'resume at':10} {'seqio s (re-read)':>18} {'grain s (state)':>16} {'state bytes':>12}")
    for n in args.resume_at:
        it = iter(grain_ds())
        for _ in range(n): next(it)
        state, want = it.get_state(), next(it)
        t0 = time.perf_counter()
        again = iter(grain_ds()); again.set_state(state); got = next(again)
        grain_s = time.perf_counter() - t0
        assert all(np.array_equal(want[k], got[k]) for k in want), "the resumed Grain batch differs"
        t0 = time.perf_counter()
        s_it = seqio_it()
        for _ in range(n + 1): next(s_it)                      # seqio: the batches before the step, read again
        seqio_s = time.perf_counter() - t0
        import json
        print(f"{n:10d} {seqio_s:18.1f} {grain_s:16.2f} {len(json.dumps(state)):12d}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--heldout", default="nli")
    p.add_argument("--warmup", type=int, default=2000, help="examples read before timing (starts every task)")
    p.add_argument("--examples", type=int, default=2000, help="examples timed")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--mock-examples", type=int, default=256, help="mock examples per dataset split")
    p.add_argument("--real", action="store_true", help="read the real TFDS data instead of mock data")
    p.add_argument("--pipeline", choices=("seqio", "grain"), default="seqio",
                   help="seqio: packed against unpacked; grain: flan_nb.pipeline against seqio's (first batch, resume)")
    p.add_argument("--resume-at", type=int, nargs=2, default=(20, 200), help="the two batch counts a resume is timed at")
    p.add_argument("--preset", default="tiny-flan", help="the model whose training rate is printed beside the pipelines'")
    args = p.parse_args()
    if args.pipeline == "grain":
        split = heldout_split(args.heldout)
        print(f"mixture {split.mixture} | {'real' if args.real else 'mock'} data | rows of {sum(FLAN_LENGTHS.values())} "
              f"tokens, {args.batch_size} rows per batch, {args.examples} examples timed after the first batch")
        return compare_pipelines(split, args)
    name = heldout_split(args.heldout).register()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"mixture {name} | {'real' if args.real else 'mock'} data | rows of {sum(FLAN_LENGTHS.values())} tokens, "
          f"{args.batch_size} rows per batch, {args.examples} examples timed after {args.warmup} | {cores} CPU cores")
    res = {"packed": run(name, True, args), "unpacked": run(name, False, args)}
    print(f"{'':10} {'batches/s':>10} {'examples/s':>11} {'target tok/s':>13} {'non-padding':>12} {'examples/row':>13} {'warm-up s':>10}")
    for k, r in res.items():
        print(f"{k:10} {r['batches_per_s']:10.2f} {r['examples_per_s']:11.0f} {r['target_tokens_per_s']:13.0f} "
              f"{r['non_padding']:12.1%} {r['examples_per_row']:13.2f} {r['warmup_s']:10.1f}")
    ratio = res["packed"]["target_tokens_per_s"] / res["unpacked"]["target_tokens_per_s"]
    print(f"packed / unpacked target tokens per second: {ratio:.2f}x "
          f"(batches/s ratio {res['packed']['batches_per_s'] / res['unpacked']['batches_per_s']:.2f}x)")


if __name__ == "__main__":
    main()
