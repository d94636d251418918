import pytest

def pytest_addoption(parser):
    parser.addoption("--flags", default="", help="space-separated nbdev test flags to run (e.g. 'slow'); "
                     "cells with other flags in settings.ini's tst_flags are skipped, as nbdev_test does")
    parser.addoption("--nb-timeout", type=float, default=900, help="seconds one notebook may run before it fails")
