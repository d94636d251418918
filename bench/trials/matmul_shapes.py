"""f32 matmul rates of JAX on this CPU at the shapes of SmolLM2-135M's forward over 4 x 128 tokens, and the output layer
split by vocabulary or by rows (issue 21, session 15: why the forward sits at its matmul floor).

    .venv/bin/python bench/trials/matmul_shapes.py
"""
import os, time, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import jax, jax.numpy as jnp, numpy as np
def bench(M, K, N, reps=20, nt=False):
    a = jnp.asarray(np.random.rand(M, K), jnp.float32)
    b = jnp.asarray(np.random.rand(N, K) if nt else np.random.rand(K, N), jnp.float32)
    f = jax.jit((lambda a, b: a @ b.T) if nt else (lambda a, b: a @ b))
    jax.block_until_ready(f(a, b))
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); jax.block_until_ready(f(a, b)); ts.append(time.perf_counter() - t0)
    t = min(ts); return 2 * M * K * N / t / 1e9
for s in [(1024, 1024, 1024), (512, 576, 576), (512, 576, 192), (512, 576, 960), (512, 576, 1536), (512, 576, 3072), (512, 1536, 576), (512, 576, 49152)]:
    print(s, f"{bench(*s):.0f} GFLOP/s")
print("NT out", f"{bench(512, 576, 49152, nt=True):.0f}")
print("2048 rows", f"{bench(2048, 576, 1536):.0f}", f"{bench(2048, 576, 192):.0f}")
a = jnp.asarray(np.random.rand(512, 576), jnp.float32)
E = jnp.asarray(np.random.rand(49152, 576), jnp.float32)
for c in (2048, 4096, 8192, 16384):
    f = jax.jit(lambda a, E: jnp.concatenate([a @ E[i:i + c].T for i in range(0, 49152, c)], axis=1))
    jax.block_until_ready(f(a, E)); ts = []
    for _ in range(10):
        t0 = time.perf_counter(); jax.block_until_ready(f(a, E)); ts.append(time.perf_counter() - t0)
    print("chunk", c, f"{2*512*576*49152/min(ts)/1e9:.0f}")
for r in (128, 256):
    f = jax.jit(lambda a, E: jnp.concatenate([a[i:i + r] @ E.T for i in range(0, 512, r)], axis=0))
    jax.block_until_ready(f(a, E)); ts = []
    for _ in range(10):
        t0 = time.perf_counter(); jax.block_until_ready(f(a, E)); ts.append(time.perf_counter() - t0)
    print("rows", r, f"{2*512*576*49152/min(ts)/1e9:.0f}")
