import pytest

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
LONGEST_FIRST = ("test_notebook[07e_trainer]", "test_notebook_in_browser[09_demo]", "test_notebook[09a_prompt_tuning]",
                 "test_notebook_in_browser[11_experiments]", "test_notebook[02_tasks]", "test_notebook[05_convert]",
                 "test_notebook[04_model]", "test_two_processes_resume_the_grain_pipeline", "test_notebook[08_evaluation]",
                 "test_notebook[12_lm_eval]", "test_kill_and_resume", "test_gpu_check_smoke_without_tensorflow")

def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.name, len(rank)))   # stable: the rest keep their order
