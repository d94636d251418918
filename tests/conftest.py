import os, shutil, tempfile
import pytest

# Much of the suite's time is XLA compiling small programs, not running them. So the tests (and every process they
# start) compile with LLVM's optimisation level 0, and share one JAX compilation cache for the run: a program built
# again (a step made anew for the same shapes, in the same notebook or another process) is read back instead.
# 07b_step alone: 73 s at XLA's defaults, 53 s at level 0, 43 s with the cache too. Neither changes what a program
# computes, only how fast it is built and runs; bench/ measures speed at XLA's defaults. The cache is a fresh directory
# per run, deleted at its end, so no run reads another's programs. A developer's own XLA_FLAGS are kept;
# FLAN_NB_TEST_COMPILE=default turns both off.
TEST_XLA_FLAGS = "--xla_backend_optimization_level=0"
_CACHE_OWNER = "FLAN_NB_TEST_CACHE_OWNER"
DEFAULT_COMPILE = os.environ.get("FLAN_NB_TEST_COMPILE") == "default"

def xla_flags(*more: str) -> str:
    "XLA_FLAGS for a process a test starts: the run's flags (the test settings above included) and `more`."
    return " ".join([os.environ.get("XLA_FLAGS", ""), *more]).strip()

def pytest_configure(config):
    if DEFAULT_COMPILE: return
    if TEST_XLA_FLAGS not in os.environ.get("XLA_FLAGS", "").split():
        os.environ["XLA_FLAGS"] = xla_flags(TEST_XLA_FLAGS)
    if "JAX_COMPILATION_CACHE_DIR" not in os.environ:        # xdist's workers inherit the controller's directory
        os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="flan_nb-test-jax-cache-")
        os.environ[_CACHE_OWNER] = str(os.getpid())
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

def compile_env() -> dict:
    "The settings above alone, for a process that otherwise gets none of the harness's (the browser test's JupyterLab)."
    if DEFAULT_COMPILE: return {}
    keys = ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS")
    return {"XLA_FLAGS": TEST_XLA_FLAGS, **{k: os.environ[k] for k in keys if k in os.environ}}

def pytest_unconfigure(config):
    if os.environ.get(_CACHE_OWNER) == str(os.getpid()):
        shutil.rmtree(os.environ["JAX_COMPILATION_CACHE_DIR"], ignore_errors=True)

def pytest_report_header(config):
    if DEFAULT_COMPILE:
        return "XLA: default compile settings (FLAN_NB_TEST_COMPILE=default)"
    return (f"XLA: tests compile with {TEST_XLA_FLAGS} and share the compilation cache "
            f"{os.environ.get('JAX_COMPILATION_CACHE_DIR')} (FLAN_NB_TEST_COMPILE=default turns both off)")

def pytest_addoption(parser):
    parser.addoption("--flags", default="", help="space-separated nbdev test flags to run (e.g. 'slow'); "
                     "cells with other flags in settings.ini's tst_flags are skipped, as nbdev_test does")
    parser.addoption("--nb-timeout", type=float, default=900, help="seconds one notebook may run before it fails")

# The tests that ran longest in CI (`make test` prints its 15 slowest), longest first: they start first and xdist
# (`--dist loadgroup` in the Makefile) hands out one test at a time, a couple queued per worker, so both workers stay
# busy to the end instead of one waiting on a long notebook that came last. Only the order changes: every collected
# test still runs. The lm-eval parity tests share a module fixture (two harnesses scoring a real model, about 50 s):
# their module is one xdist group (`pytestmark` there), run by one worker. That needs pytest < 9.2 (settings.ini):
# pytest 9.2's node ids ignore the group suffix xdist 3.8 writes, so the groups silently stop grouping
# (pytest-dev/pytest-xdist#1386).
LONGEST_FIRST = ("test_notebook_in_browser[09_demo]", "test_notebook[07e_trainer]",
                 "test_notebook_in_browser[11_experiments]", "test_notebook[09a_prompt_tuning]",
                 "test_two_processes_resume_the_grain_pipeline", "test_notebook[05_convert]", "test_notebook[02_tasks]",
                 "test_notebook[04_model]", "test_notebook[12_lm_eval]", "test_notebook[08_evaluation]",
                 "test_notebook[07b_step]", "test_kill_and_resume", "test_gpu_check_smoke_without_tensorflow")

def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.name, len(rank)))   # stable: the rest keep their order
