"""One pytest item per notebook in nbs/, each executed by nbdev's own runner (`nbdev.test.test_nb`) in a fresh
process, so that global state (JAX config, matplotlib backends, registries) cannot leak from one notebook to the next
and a hung notebook fails after `--nb-timeout` seconds instead of hanging CI. The notebooks a user starts from run in
a real browser instead (tests/test_browser.py), every cell of them."""
import json, os, re, subprocess, sys
from pathlib import Path
import pytest
from nbdev.doclinks import nbglob

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
# The notebooks that tests/test_browser.py runs whole in JupyterLab (every cell, `#| slow` ones too), where any error
# output fails the test: running them here as well only ran them twice (09_demo and 11_experiments: about 320 s).
sys.path.insert(0, str(Path(__file__).parent))
from test_browser import NOTEBOOKS as IN_BROWSER
from conftest import DEFAULT_COMPILE, TEST_XLA_FLAGS, compile_env
RUN_HERE = [p for p in NBS if p.stem not in IN_BROWSER]

# What `nbdev_test` does for one notebook: skip the flags in settings.ini's tst_flags unless forced.
RUNNER = """
import sys
from pathlib import Path
from nbdev.config import get_config
from nbdev.test import test_nb
cfg = get_config()
force = sys.argv[2].split()
skip = [f for f in cfg.tst_flags.split() if f not in force]
ok, secs = test_nb(Path(sys.argv[1]), skip_flags=skip, force_flags=force, showerr=True, basepath=cfg.config_path)
sys.exit(0 if ok else 1)
"""

def test_notebooks_found():
    """nbdev_test exits 0 when it finds no notebook: make sure there are some, that it would test the same ones, and
    that every one runs either here or in the browser."""
    assert len(NBS) >= 3, f"expected the project's notebooks in {ROOT / 'nbs'}, found {len(NBS)}"
    assert sorted(Path(p).resolve() for p in nbglob(ROOT / "nbs", as_path=True)) == NBS
    assert set(IN_BROWSER) <= {p.stem for p in NBS}, f"browser notebooks {IN_BROWSER} not all in nbs/"
    assert sorted([p.stem for p in RUN_HERE] + list(IN_BROWSER)) == sorted(p.stem for p in NBS)

def test_no_backend_switch():
    """A notebook that calls `matplotlib.use(...)` (or `%matplotlib agg`) shows its figures as `<Figure ...>` text in a
    real kernel; the runner below sets MPLBACKEND=Agg itself, so no notebook needs to."""
    switch = re.compile(r"matplotlib\.use\(|^\s*%matplotlib\s+(?!inline)", re.M)
    bad = [f"{p.name} cell {i}" for p in sorted((ROOT / "nbs").glob("*.ipynb"))
           for i, c in enumerate(json.loads(p.read_text())["cells"])
           if c["cell_type"] == "code" and switch.search("".join(c["source"]))]
    assert not bad, f"matplotlib backend switched in {bad}: return the Figure and let IPython display it"

def runner_env() -> dict:
    "The environment a notebook runs in: this run's (tests/conftest.py's compile settings included) and the runner's."
    return {**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}

PROBE = """
import json, os, secrets, jax, jax.numpy as jnp
d = jax.config.jax_compilation_cache_dir
before = set(os.listdir(d))
jax.jit(lambda x: jnp.sin(x) * secrets.randbits(20))(jnp.ones(7)).block_until_ready()   # a program no one built yet
print(json.dumps({"flags": os.environ.get("XLA_FLAGS", ""), "dir": d, "new": len(set(os.listdir(d)) - before)}))
"""

def test_compile_settings_reach_the_notebooks():
    """tests/conftest.py's compile settings reach a notebook's process: XLA_FLAGS holds the optimisation level, and a
    program it compiles, however small, is written to the run's cache; the browser's kernels get the same settings."""
    if DEFAULT_COMPILE:
        pytest.skip("FLAN_NB_TEST_COMPILE=default: the suite runs at XLA's default compile settings")
    r = subprocess.run([sys.executable, "-c", PROBE], env=runner_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.splitlines()[-1])
    assert TEST_XLA_FLAGS in out["flags"].split(), out
    assert out["dir"] == os.environ["JAX_COMPILATION_CACHE_DIR"] and out["new"] >= 1, out
    assert compile_env() == {"XLA_FLAGS": TEST_XLA_FLAGS, "JAX_COMPILATION_CACHE_DIR": out["dir"],
                             "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}

@pytest.mark.parametrize("nb", RUN_HERE, ids=[p.stem for p in RUN_HERE])
def test_notebook(nb, request):
    flags, timeout = request.config.getoption("--flags"), request.config.getoption("--nb-timeout")
    env = runner_env()
    try:
        r = subprocess.run([sys.executable, "-c", RUNNER, str(nb), flags], cwd=nb.parent, env=env,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{nb.name} ran longer than --nb-timeout={timeout:.0f} s")
    if r.returncode != 0:
        pytest.fail(f"{nb.name} failed:\n{r.stderr[-8000:]}", pytrace=False)
