"""Training-step benchmark: step time, target tokens/s, model TFLOP/s and MFU of flan_nb's jitted trainer step
(`step.make_step`, JAX) against a PyTorch + transformers `LlamaForCausalLM` of the same sizes trained with
`torch.optim.AdamW`, on the same token batch, in one run, with the machine's dense f32 matmul peak measured in the
same run (JAX and torch) as the MFU denominator.

    .venv/bin/python bench/train_throughput.py                      # preset mini, 4 rows x (192 + 64) tokens, f32
    .venv/bin/python bench/train_throughput.py --preset tiny --rows 8 --inputs-length 96 --targets-length 32
    .venv/bin/python bench/train_throughput.py --steps 20 --warmup 3 --dtype bfloat16
    .venv/bin/python bench/train_throughput.py --dtype bfloat16 --attention reference,cudnn   # on a GPU

What a step is on each side:
  flan_nb: forward on packed rows (segment-masked attention, per-segment positions), summed cross-entropy over the
           target tokens, backward, AdamW update (optax; weight decay 0, no gradient clipping, constant lr), all in
           one jitted call on a one-device mesh (the CPU device uses every core).
  torch:   forward with labels (cross-entropy on the same target tokens), backward, `AdamW.step()`, `zero_grad()`,
           eager, `torch.set_num_threads(cores)`, default (sdpa) attention. Each row is fed as one plain causal
           sequence: transformers has no packed segment masking without a custom 4-D mask. The matmul FLOPs are
           the same, since flan_nb computes attention over the full row too (its mask only hides scores).
Model FLOPs per step, the same count for both sides: `model.flops_per_token(config, row_length) * rows * row_length`
(6N + attention, PaLM), attention counted in full (a causal mask halves it: MaxText's count is printed too), less the
output layer at the positions without a loss weight (6 * d_model * vocab per such token): no loss reads those logits,
and flan_nb's step (`step.loss_sums`: at the targets, in the smallest bucket of `train.logit_fraction`, twice it, ...,
all positions, that holds them) does not compute them, while transformers'
does. The PaLM count over every position is printed too ("MFU 6N all"). MFU = model FLOP/s / the measured JAX f32
matmul peak on a CPU, or the accelerator's dense bf16 peak from its data sheet (`trainer.PEAK_FLOPS`).
`--attention` (comma-separated `ModelConfig.attention` values) times flan_nb's step once per attention
implementation, on the same batch; if one fails (cuDNN rejecting the shape, dtype or mask, or no GPU), the failure
is printed in capitals with its error and, for `cudnn`, the step is timed with `xla` instead, labelled so.
On a GPU both sides run there (torch with bf16 autocast when `--dtype bfloat16`). The timed steps reuse one batch; their median is
reported, after `--warmup` steps (which include JAX's compilation). Timings are printed, never asserted.

OMP_WAIT_POLICY defaults to PASSIVE here (set it in the environment to override): on a small VM, torch's libgomp
threads spin-waiting by default made every parallel region cost ~8 ms and a mini step ~10x slower (4.6 s vs 0.5 s
on 2 vCPUs), which would compare flan_nb against a crippled baseline. XLA's CPU thread pool is not OpenMP.
"""
import argparse, dataclasses, math, os, statistics, time, traceback
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # must be set before torch loads libgomp; see the docstring
os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.45")  # on a GPU, leave torch's side room in the same process
import jax
from flax import nnx
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from flan_nb import partitioning as part
from flan_nb.config import default_config
from flan_nb.inputs import synthetic_batches
from flan_nb.step import create_state, make_step
from timing import bench_spec
from flan_nb.trainer import measure_matmul_peak, peak_flops
from flan_nb.model import flops_per_token, get_config, output_flops_per_token


def timed_steps(step, n_warmup, n_timed):
    "Run `step()` (which must block until its work is done) n_warmup + n_timed times; per-step seconds and results."
    times, outs = [], []
    for _ in range(n_warmup + n_timed):
        t0 = time.perf_counter(); outs.append(step()); times.append(time.perf_counter() - t0)
    return times, outs


def run_flan_nb(mcfg, batch, args):
    "flan_nb's trainer step: sharded state on a one-device mesh, AdamW like torch's (no clipping, no decay)."
    spec, init = bench_spec(mcfg, args.warmup + args.steps, args.lr)
    n_params = sum(math.prod(x.shape) for x in jax.tree.leaves(spec.abstract["params"]))
    step_fn = make_step(spec, z_loss=0.0, accumulation_steps=1, logit_fraction=args.logit_fraction)
    with jax.set_mesh(spec.mesh), nnx.logical_axis_rules(spec.rules):
        box = {"state": create_state(spec, init)}
        gbatch = part.global_batch(batch, part.batch_sharding(spec.mesh, spec.rules))  # on the device once, outside the timing
        def step():
            box["state"], m = step_fn(box["state"], gbatch)      # the state is donated: keep only the new one
            return jax.device_get(m)                              # waits for the step (metrics depend on all of it)
        times, ms = timed_steps(step, args.warmup, args.steps)
    return {"times": times, "losses": [float(m["loss"]) for m in ms], "tokens": float(ms[0]["target_tokens"]),
            "params": n_params, "logit_share": sum(float(m["logit_share"]) for m in ms) / len(ms)}


def run_flan_nb_attention(mcfg, batch, args):
    "`run_flan_nb` once per `--attention` value, as `{label: result}`; a failure is printed loudly, never skipped silently."
    out = {}
    for impl in args.attention.split(","):
        try:
            out[f"flan_nb ({impl})"] = run_flan_nb(dataclasses.replace(mcfg, attention=impl), batch, args)
        except Exception as e:       # noqa: BLE001 -- the message is printed and the run goes on
            err = "".join(traceback.format_exception_only(e)).strip().splitlines()[0][:400]
            if impl != "cudnn":
                print(f"!!! FLAN_NB STEP WITH attention={impl!r} FAILED: {err}"); continue
            print(f"!!! CUDNN ATTENTION REJECTED, FALLING BACK TO attention='xla' FOR THIS ROW: {err}")
            try: out["flan_nb (xla: cudnn fell back)"] = run_flan_nb(dataclasses.replace(mcfg, attention="xla"), batch, args)
            except Exception as e2:  # noqa: BLE001
                print(f"!!! FLAN_NB STEP WITH attention='xla' FAILED TOO: {str(e2).splitlines()[0][:400]}")
    return out


def torch_config(c):
    "A `LlamaConfig` with the sizes of flan_nb's `ModelConfig` `c`."
    rope = {"rope_type": "default", "rope_theta": c.rope_theta}
    if c.rope_scaling is not None:
        f, lo, hi, orig = c.rope_scaling
        rope = {"rope_type": "llama3", "rope_theta": c.rope_theta, "factor": f, "low_freq_factor": lo,
                "high_freq_factor": hi, "original_max_position_embeddings": orig}
    return LlamaConfig(vocab_size=c.vocab_size, hidden_size=c.d_model, intermediate_size=c.d_ff,
                       num_hidden_layers=c.n_layers, num_attention_heads=c.n_heads, num_key_value_heads=c.n_kv_heads,
                       head_dim=c.head_dim, rms_norm_eps=c.norm_eps, tie_word_embeddings=c.tie_embeddings,
                       max_position_embeddings=c.max_seq_len, rope_parameters=rope, initializer_range=c.init_std,
                       use_cache=False)


def run_torch(mcfg, batch, args):
    "transformers' LlamaForCausalLM + torch AdamW on the same tokens, with the loss on the same target tokens."
    torch.manual_seed(0)
    model = LlamaForCausalLM(torch_config(mcfg)).train()
    # flan_nb's logits at position t come from decoder_input_tokens[..t] (= BOS, target[..t-1] within a segment) and
    # are scored against decoder_target_tokens[t]. transformers scores logits[t] against labels[t + 1] (it shifts the
    # labels itself), so we feed input_ids = decoder_target_tokens and labels = decoder_target_tokens with -100 where
    # the loss weight is 0: logits[t - 1] (context target[..t-1]) is then scored against target[t], the same token
    # with the same in-segment context (less the BOS). Target tokens never sit at position 0 (each segment starts with
    # >= 1 input token), so no weighted token is lost to the shift, and the mean over them equals flan_nb's loss.
    ids = torch.from_numpy(batch["decoder_target_tokens"]).long()
    labels = torch.where(torch.from_numpy(batch["decoder_loss_weights"]) > 0, ids, torch.full_like(ids, -100))
    dev = torch_device()
    model.to(dev); ids, labels = ids.to(dev), labels.to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=args.dtype == "bfloat16")
    def step():
        with autocast:
            loss = model(input_ids=ids, labels=labels, use_cache=False).loss
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        if dev.type == "cuda": torch.cuda.synchronize()        # on the CPU eager ops are done when they return
        return float(loss.detach())
    times, losses = timed_steps(step, args.warmup, args.steps)
    return {"times": times, "losses": losses, "tokens": float((labels[:, 1:] != -100).sum()),
            "params": sum(p.numel() for p in model.parameters())}


def torch_device():
    "torch's side runs where JAX's does: the GPU when JAX has one (and torch sees it), else the CPU."
    return torch.device("cuda" if jax.devices()[0].platform == "gpu" and torch.cuda.is_available() else "cpu")


def torch_matmul_peak(n, repeats):
    "FLOP/s of the fastest of `repeats` f32 `n x n` torch.mm (same size as trainer.measure_matmul_peak's)."
    x = torch.ones(n, n); torch.mm(x, x)
    best = min(timed_steps(lambda: torch.mm(x, x), 0, repeats)[0])
    return 2 * n ** 3 / best


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="mini", help="flan_nb.model preset (tiny, mini, smollm2-135m, ...)")
    p.add_argument("--rows", type=int, default=4, help="packed rows per batch")
    p.add_argument("--inputs-length", type=int, default=192)
    p.add_argument("--targets-length", type=int, default=64)
    p.add_argument("--steps", type=int, default=10, help="timed steps per side")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (include JAX compilation)")
    p.add_argument("--dtype", default="float32", choices=("float32", "bfloat16"),
                   help="compute dtype (params stay f32): flan_nb ModelConfig.dtype, torch CPU autocast")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--attention", default="reference",
                   help="comma-separated ModelConfig.attention values (reference, xla, cudnn): one flan_nb step each")
    p.add_argument("--logit-fraction", type=float, default=default_config().train.logit_fraction,
                   help="flan_nb: the smallest share of positions given logits in the loss (train.logit_fraction; 1.0: all)")
    p.add_argument("--matmul-n", type=int, default=1024, help="size of the square f32 matmuls for the peak")
    p.add_argument("--matmul-repeats", type=int, default=10)
    args = p.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(cores)  # XLA's CPU client uses every core by default
    L = args.inputs_length + args.targets_length
    mcfg = get_config(args.preset, dtype=args.dtype, max_seq_len=max(L, get_config(args.preset).max_seq_len))
    batch = next(synthetic_batches(mcfg.vocab_size, args.rows, args.inputs_length, args.targets_length, seed=0))
    palm_flops = flops_per_token(mcfg, L) * args.rows * L
    n_targets = int((batch["decoder_loss_weights"] > 0).sum())
    step_flops = palm_flops - output_flops_per_token(mcfg) * (args.rows * L - n_targets)  # no head without a loss
    print(f"preset {args.preset} ({args.dtype}) | {args.rows} rows x {L} tokens ({args.inputs_length} + "
          f"{args.targets_length}), {int(batch['decoder_loss_weights'].sum())} target tokens | "
          f"{step_flops / 1e9:.1f} GFLOP/step ({palm_flops / 1e9:.1f} counting the output layer everywhere) | logit_fraction "
          f"{args.logit_fraction} | {args.warmup} warm-up + {args.steps} timed steps | {cores} CPU cores | "
          f"jax {jax.__version__} on {jax.devices()[0].platform}, torch {torch.__version__} ({torch.get_num_threads()} threads, "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']})")

    if jax.devices()[0].platform == "cpu":
        peak_jax = measure_matmul_peak(n=args.matmul_n, repeats=args.matmul_repeats)
        peak_torch = torch_matmul_peak(args.matmul_n, args.matmul_repeats)
        print(f"dense f32 matmul peak ({args.matmul_n}^2, best of {args.matmul_repeats}): jax {peak_jax / 1e9:.1f} GFLOP/s, "
              f"torch {peak_torch / 1e9:.1f} GFLOP/s (MFU below is against the jax number)")
        peak_name = "the measured jax f32 matmul peak"
    else:                                 # an accelerator: its dense bf16 peak from the data sheet (trainer.PEAK_FLOPS)
        peak_jax, src = peak_flops()
        peak_torch = peak_jax
        peak_name = f"{jax.devices()[0].device_kind}'s {peak_jax / 1e12:.0f} TFLOP/s ({src})"
        print(f"device: {jax.devices()[0].device_kind}, torch on {torch_device()}; MFU against {peak_name}")
    ours_all = run_flan_nb_attention(mcfg, batch, args)
    if not ours_all: raise SystemExit("FAIL: no flan_nb step ran (see the errors above)")
    res = {**ours_all, "torch (hf)": run_torch(mcfg, batch, args)}
    own_peak = {k: peak_torch if k == "torch (hf)" else peak_jax for k in res}  # "MFU own": against the side's own peak
    w = max(map(len, res))
    print(f"{'':{w}} {'params':>10} {'first s':>8} {'median s':>9} {'target tok/s':>13} {'TFLOP/s':>8} {'MFU':>7} "
          f"{'MFU own':>8} {'MFU 6N all':>10} {'loss first -> last':>19}")
    for name, r in res.items():
        r["median"] = statistics.median(r["times"][args.warmup:])
        r["tok_s"] = r["tokens"] / r["median"]
        r["mfu"] = step_flops / r["median"] / peak_jax
        print(f"{name:{w}} {r['params']:10,d} {r['times'][0]:8.2f} {r['median']:9.3f} {r['tok_s']:13.0f} "
              f"{step_flops / r['median'] / 1e12:8.4f} {r['mfu']:7.1%} "
              f"{step_flops / r['median'] / own_peak[name]:8.1%} {palm_flops / r['median'] / peak_jax:10.1%} "
              f"{r['losses'][0]:9.3f} -> {r['losses'][-1]:6.3f}")

    # Sanity checks (printed, not asserted): same sizes, same target tokens, random-init losses near log(vocab)
    # (init_std 0.02; the tiny preset's init_std 0.2 starts higher on both sides).
    ours, ref = next(iter(ours_all.values())), res["torch (hf)"]
    print(f"checks: params {'equal' if ours['params'] == ref['params'] else 'DIFFER'}, target tokens per step "
          f"{ours['tokens']:.0f} vs {ref['tokens']:.0f}, initial losses {ours['losses'][0]:.3f} / {ref['losses'][0]:.3f} "
          f"vs log(vocab) = {math.log(mcfg.vocab_size):.3f}; flan_nb's output layer ran on "
          f"{ours['logit_share']:.0%} of the positions")
    causal = step_flops - 6.0 * mcfg.n_layers * mcfg.n_heads * mcfg.head_dim * L * args.rows * L   # attention at half
    for name, r in ours_all.items():
        print(f"{name}: MFU (fraction of {peak_name}) {r['mfu']:.1%}; counting causal attention at half (MaxText's "
              f"convention) {causal / r['median'] / peak_jax:.1%} (torch: {causal / ref['median'] / peak_jax:.1%}); "
              f"target tokens per second {r['tok_s'] / ref['tok_s']:.2f}x torch's"
              + (f", {ours['median'] / r['median']:.2f}x the first row's step" if r is not ours else ""))


if __name__ == "__main__":
    main()
