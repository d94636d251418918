#!/usr/bin/env bash
# The GPU check (issue 21 §2), ready for the moment a GPU machine is lent: one H100 or H200 whose image has JAX with
# CUDA, flax, optax, orbax, PyTorch and transformers, and no TensorFlow, seqio, TFDS or ml_collections, with nothing
# to fetch. flan_nb's model, partitioning and trainer step import without TensorFlow (tests/test_without_tensorflow.py);
# ml_collections travels as a wheel.
#
# Here, once:            make gpu-wheels                       (ml_collections' wheel into .gpu_wheels/, git-ignored)
# On the device machine: bash bench/gpu_check.sh               (run with carry [".gpu_wheels"] and timeout_s 580)
# Here, as a smoke test: PY=.venv/bin/python bash bench/gpu_check.sh --smoke   (tiny shapes on the CPU)
#
# It prints the machine, then
# 1. bench/gpu_check_attention.py: ModelConfig.attention="cudnn" (jax.nn.dot_product_attention on cuDNN's flash
#    kernel) against the reference attention on a tiny bf16 model (causal packed, prefix-LM and branch rows, gradients,
#    KV-cache decoding, beside bf16's own distance from f32), then attention alone (fwd + bwd) timed for reference,
#    xla and cudnn at the training shape below;
# 2. flan_nb's jitted training step on Llama-3.2-1B's shape (random weights, bf16 compute, 4 packed rows of 1024 + 256
#    tokens, AdamW), once with the reference attention and once with cudnn, beside the same step in PyTorch +
#    transformers on the same tokens, in one process: step time, target tokens/s and MFU against the card's dense bf16
#    peak (989 TFLOP/s for H100/H200 SXM, trainer.PEAK_FLOPS), with attention counted in full and, as MaxText counts a
#    causal mask, at half.
# 3. bench/gpu_rank.py: rank classification on the same shape (random weights, bf16), flan_nb's packed scorer against
#    transformers' batched log-likelihoods (one sequence per option, lm-eval's HF computation; lm-eval itself is not
#    on the image) with the same weights: examples/s, and how many predictions agree.
# Whatever cuDNN rejects is printed in capitals with its error (the step then runs with attention="xla", labelled so);
# without a GPU (--smoke) 'xla' stands in for cudnn in step 1 and cudnn's step falls back, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
smoke=0; [ "${1:-}" = "--smoke" ] && smoke=1
deps=$(mktemp -d)
if ! "$PY" -c "import ml_collections" 2>/dev/null; then
  ls .gpu_wheels/*.whl >/dev/null 2>&1 || { echo "FAIL: ml_collections is missing and .gpu_wheels/ holds no wheel: run 'make gpu-wheels' and carry .gpu_wheels"; exit 1; }
  "$PY" -m pip install --quiet --no-deps --no-index --target "$deps" .gpu_wheels/*.whl
fi
export PYTHONPATH="$PWD:$deps${PYTHONPATH:+:$PYTHONPATH}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "(no nvidia-smi)"
"$PY" -c "import jax, torch, transformers; print('jax', jax.__version__, jax.devices(), '| torch', torch.__version__, 'cuda', torch.cuda.is_available(), '| transformers', transformers.__version__)"
if [ $smoke = 1 ]; then
  "$PY" bench/gpu_check_attention.py --smoke
  "$PY" bench/train_throughput.py --preset tiny --dtype bfloat16 --rows 2 --inputs-length 48 --targets-length 16 --steps 2 \
    --warmup 1 --attention reference,cudnn
  "$PY" bench/gpu_rank.py --smoke
else
  timeout 120 "$PY" bench/gpu_check_attention.py --preset llama3.2-1b --rows 4 --inputs-length 1024 --targets-length 256 \
    || echo "!!! bench/gpu_check_attention.py FAILED OR TIMED OUT (exit $?); the training step follows"
  timeout 300 "$PY" bench/train_throughput.py --preset llama3.2-1b --dtype bfloat16 --rows 4 --inputs-length 1024 \
    --targets-length 256 --steps 10 --warmup 3 --attention reference,cudnn \
    || echo "!!! bench/train_throughput.py FAILED OR TIMED OUT (exit $?); rank classification follows"
  timeout 120 "$PY" bench/gpu_rank.py --preset llama3.2-1b --examples 256 \
    || echo "!!! bench/gpu_rank.py FAILED OR TIMED OUT (exit $?)"
fi
