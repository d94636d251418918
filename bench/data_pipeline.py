"""Data-pipeline benchmark: packed batches per second and target tokens per second from a FLAN held-out mixture,
side by side with the same seqio pipeline without packing (one padded example per row), in the same run.

    .venv/bin/python bench/data_pipeline.py                 # NLI held out, TFDS mock data, paper lengths 1024/256
    .venv/bin/python bench/data_pipeline.py --real          # the real TFDS data (must be on disk)
    .venv/bin/python bench/data_pipeline.py --heldout translation --examples 4000 --batch-size 8

Mock data has the real schemas but random values (random text lengths), so its tokens/s say how fast the pipeline is,
not how full real rows get; run with --real for that.
"""
import argparse, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
from flan_nb.mixtures import heldout_split
from flan_nb.packing import FLAN_LENGTHS, packing_stats, task_batches


def examples_in(batch):
    seg = batch.get("decoder_segment_ids")
    if seg is None: return int((batch["decoder_target_tokens"] != 0).any(axis=1).sum())
    return sum(len(np.unique(r[r > 0])) for r in seg)


def run(name, pack, args):
    "Warm up on `--warmup` examples (TFDS builders, shuffle buffers of every task), then time `--examples` examples."
    it = task_batches(name, lengths=FLAN_LENGTHS, batch_size=args.batch_size, pack=pack, num_epochs=None,
                      source="tfds" if args.real else "mock", mock_examples=args.mock_examples, seed=0)
    t0, seen = time.perf_counter(), 0
    while seen < args.warmup: seen += examples_in(next(it))
    warm = time.perf_counter() - t0
    t0, seen, batches = time.perf_counter(), 0, []
    while seen < args.examples:
        batches.append(next(it)); seen += examples_in(batches[-1])
    secs = time.perf_counter() - t0
    st = packing_stats(batches)
    return {"batches_per_s": len(batches) / secs, "examples_per_s": seen / secs,
            "target_tokens_per_s": st["target_tokens_per_batch"] * len(batches) / secs,
            "non_padding": st["non_padding_fraction"], "examples_per_row": st["examples_per_row"], "warmup_s": warm}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--heldout", default="nli")
    p.add_argument("--warmup", type=int, default=2000, help="examples read before timing (starts every task)")
    p.add_argument("--examples", type=int, default=2000, help="examples timed")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--mock-examples", type=int, default=256, help="mock examples per dataset split")
    p.add_argument("--real", action="store_true", help="read the real TFDS data instead of mock data")
    args = p.parse_args()
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
