"""Prompt tuning from the base vs from the instruction-tuned model on FLAN-mini's held-out NLI cluster (issue 22 §2,
the paper's §4.5): writes `nbs/runs/prompt_tuning/study.json`, which `nbs/09a_prompt_tuning.ipynb` reads and draws.

    .venv/bin/python bench/prompt_tuning_study.py [DEMO_DIR] [OUT]

DEMO_DIR is a finished `flan-nb demo` run (default /tmp/final11/demo: its `base/` and `tuned/` work directories; make
one with `.venv/bin/flan-nb demo --out DIR`, 6-10 minutes on 2 CPU cores). The settings below are the committed
study's; it took 2,091 s (35 min) on the 2-core development machine, shared with other jobs (the file
records its own seconds). The demo run used was the one committed in nbs/runs/flan_mini_demo (commit ac44523).
"""
import sys
from pathlib import Path
import flan_nb  # noqa: F401  first, before jax (see 00_init)
from flan_nb import mini
from flan_nb.prompt_tuning import prompt_tuning_study, study_table

SETTINGS = dict(tasks=["mini_rte", "mini_nli"], steps=100, prompt_length=10, seeds=[0, 1, 2], init="class_labels",
                learning_rate=1e-2, rows=8, max_examples=None, max_templates=None, n_boot=1000)

if __name__ == "__main__":
    demo = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/final11/demo")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).parents[1] / "nbs/runs/prompt_tuning/study.json")
    if not (demo / "base").is_dir() or not (demo / "tuned").is_dir():
        sys.exit(f"{demo} is not a finished flan-nb demo run (no base/ and tuned/); make one with flan-nb demo --out {demo}")
    mini.set_world_seed(0)      # the demo's world (demo_config().world_seed)
    study = prompt_tuning_study(demo / "base", demo / "tuned", out=out, progress=True, **SETTINGS)
    print(study_table(study).round(1).to_string(index=False))
    print(f"wrote {out} ({study['seconds']:.0f} s)")
