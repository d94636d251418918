"The installed `flan-nb` console script, run as a user would run it."
import os, shutil, subprocess, sys
from pathlib import Path
import pytest

EXE = shutil.which("flan-nb", path=str(Path(sys.executable).parent)) or shutil.which("flan-nb")

def flan_nb(*args, timeout=300, **env_vars):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env_vars}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=timeout, env=env)

def test_console_script_installed():
    assert EXE, "the flan-nb console script is not on PATH: is the package installed (pip install -e .)?"

def test_catalog_lists_every_dataset():
    from flan_nb.catalog import DATASETS
    r = flan_nb("catalog")
    assert r.returncode == 0, r.stderr
    rows = [l.split()[1] for l in r.stdout.splitlines()[2:] if l.strip() and not l.startswith(("-", "\n")) and len(l.split()) > 2]
    assert set(DATASETS) <= set(rows)

def test_templates_renders_all_ten():
    r = flan_nb("templates", "cb", "-n", "2", "--mock")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("--- example 1, template") == 10
    assert r.stdout.count("(turned around)") == 2 * 2

def test_templates_of_a_flan_mini_dataset():
    "The command registers FLAN-mini (the catalog does not import it): its datasets are named like FLAN's."
    r = flan_nb("templates", "mini_rte", "-n", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("mini_rte: 10 templates on 1 examples from mini collection, generated"), r.stdout[:300]

def test_unknown_dataset_is_one_clear_line():
    r = flan_nb("templates", "imdb")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "unknown dataset 'imdb'" in r.stderr and "imdb_reviews" in r.stderr

def test_templates_say_mock_data_first_when_the_data_is_not_prepared(tmp_path):
    r = flan_nb("templates", "rte", "-n", "1", TFDS_DATA_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("rte: 10 templates on 1 examples from TFDS MOCK DATA, NOT THE REAL DATA (not prepared: "
                               "`flan-nb data prepare --datasets rte`)"), r.stdout[:300]

def test_data_prepare_then_status(tmp_path):
    """Offline: SAMSum prepared (as ArrayRecord, what data.pipeline=grain reads) from files in its manual folder,
    Newsroom's missing (one line, status 1), then the table."""
    import json
    data, manual = tmp_path / "tfds", tmp_path / "tfds" / "downloads" / "manual" / "samsum"
    manual.mkdir(parents=True)
    for f, ids in (("train.json", range(4)), ("val.json", range(4, 6)), ("test.json", range(6, 7))):
        (manual / f).write_text(json.dumps([{"id": f"d{i}", "dialogue": f"A: {i}?\nB: ok", "summary": f"{i}."} for i in ids]))
    r = flan_nb("data", "prepare", "--datasets", "newsroom,samsum", "--data-dir", str(data), "--format", "array_record")
    assert r.returncode == 1, r.stderr[-2000:]
    assert list((data / "samsum" / "1.0.0").glob("samsum-train.array_record*")), "no ArrayRecord files: what Grain reads"
    failures = [l for l in r.stdout.splitlines() if l.startswith("newsroom (newsroom:1.0.0): ")]
    assert len(failures) == 1 and "manual download needed: put its files in " in failures[0], r.stdout
    assert f"samsum (samsum:1.0.0): prepared in {data}/samsum/1.0.0" in r.stdout.splitlines(), r.stdout
    r = flan_nb("data", "status", "--cluster", "summarization", TFDS_DATA_DIR=str(data))   # the folder runs read
    assert r.returncode == 0, r.stderr[-2000:]
    row = next(l.split() for l in r.stdout.splitlines() if l.split()[1:2] == ["samsum"])
    assert row[:7] == ["summarization", "samsum", "samsum:1.0.0", "yes", "train=4", "validation=2", "test=1"], row
    assert f"1 of 11 datasets prepared in {data}" in r.stdout, r.stdout

def test_data_prepare_bad_name_is_one_line(tmp_path):
    r = flan_nb("data", "prepare", "--datasets", "rte,snlii", "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r.stderr
    assert "unknown dataset 'snlii'" in r.stderr and "'snli'" in r.stderr
    assert not (tmp_path / "d").exists()

def test_samples_cover_every_cluster():
    from flan_nb.catalog import CLUSTER_TITLES
    r = flan_nb("samples")
    assert r.returncode == 0, r.stderr
    for title in CLUSTER_TITLES.values(): assert f"== {title} (" in r.stdout, title
    assert r.stdout.count(">>> ") >= 12

def test_demo_bad_input_is_one_line_and_writes_nothing(tmp_path):
    "A misspelt held-out cluster or setting stops the demo before any phase runs, with one line naming the fix."
    r = flan_nb("demo", "--fast", "--heldout", "nlii", "--out", str(tmp_path / "a"))
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r.stderr
    assert "unknown cluster 'nlii'" in r.stderr and "'nli'" in r.stderr
    r = flan_nb("demo", "--fast", "--set", "tune.stepz=3", "--out", str(tmp_path / "b"))
    assert r.returncode == 2 and "unknown config key 'tune.stepz'" in r.stderr, r.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()

def test_experiment_bad_name_is_one_line(tmp_path):
    r = flan_nb("experiment", "cluster_counts", "--fast", "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r.stderr
    assert "unknown experiment 'cluster_counts'" in r.stderr and "cluster_count" in r.stderr
    assert not (tmp_path / "x").exists()

def test_figures_from_a_missing_directory_is_one_line(tmp_path):
    r = flan_nb("figures", "--runs", str(tmp_path / "none"), "--out", str(tmp_path / "figs"))
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "does not exist" in r.stderr, r.stderr

def test_train_from_a_config_file_and_again_from_its_config_json(tmp_path):
    "`flan-nb train --config cfg.py`, then the run's own config.json with a longer schedule resumes it."
    cfg = tmp_path / "cfg.py"
    cfg.write_text("from flan_nb.config import default_config\n"
                   "def get_config():\n"
                   "    c = default_config()\n"
                   "    c.data.update(mixture='synthetic', inputs_length=24, targets_length=8, batch_size=4)\n"
                   "    c.model.overrides.vocab_size = 264\n"
                   "    c.train.update(steps=3, progress=False)\n"
                   "    c.checkpoint.every = 3\n"
                   "    return c\n")
    wd = tmp_path / "run"
    r = flan_nb("train", "--config", str(cfg), "--workdir", str(wd))
    assert r.returncode == 0, r.stderr[-3000:]
    assert (wd / "checkpoints" / "3").is_dir() and len((wd / "metrics.jsonl").read_text().splitlines()) == 3
    r = flan_nb("train", "--config", str(wd / "config.json"), "--set", "train.steps=5")
    assert r.returncode == 0, r.stderr[-3000:]
    steps = [__import__("json").loads(l)["step"] for l in (wd / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5]

def test_train_plan_and_a_run_that_cannot_fit(tmp_path):
    "`flan-nb train --plan` prints the memory plan and trains nothing; a run over its budget stops at start in one line."
    r = flan_nb("train", "--plan", "--workdir", str(tmp_path / "plan"), "--set", "mesh.num_devices=1")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "peak (estimate)" in r.stdout and "saved activations" in r.stdout and not (tmp_path / "plan").exists()
    r = flan_nb("train", "--workdir", str(tmp_path / "run"), "--set", "data.mixture=synthetic", "--set", "train.memory_gb=0.01")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r.stderr[-3000:]
    assert "over the budget of 0.01 GB (train.memory_gb)" in r.stderr and "data.batch_size" in r.stderr, r.stderr
    assert not (tmp_path / "run").exists()

# `flan-nb lm-eval`: lm-evaluation-harness's `run` command on a flan_nb model (nbs/12_lm_eval.ipynb). The task is an
# lm-eval YAML task (found with --include_path) over a local JSON-lines file: no network.
LM_EVAL_DOCS = [
    {"context": "Is the sky blue on a clear day?\nOPTIONS:\n- yes\n- no", "options": ["yes", "no"], "answer": 0},
    {"context": "Can a fish climb a tree?\nOPTIONS:\n- yes\n- no", "options": ["yes", "no"], "answer": 1},
    {"context": "Which is a colour?\nOPTIONS:\n- red\n- chair\n- seven", "options": ["red", "chair", "seven"], "answer": 0},
    {"context": "Which is an animal?\nOPTIONS:\n- spoon\n- horse\n- cloud", "options": ["spoon", "horse", "cloud"], "answer": 1},
    {"context": "Is ice cold?\nOPTIONS:\n- yes\n- no", "options": ["yes", "no"], "answer": 0},
    {"context": "Which is a fruit?\nOPTIONS:\n- brick\n- pear", "options": ["brick", "pear"], "answer": 1},
]

def lm_eval_task(tmp_path) -> Path:
    "A multiple-choice lm-eval task `flan_nb_cli_check` in tmp_path/tasks over LM_EVAL_DOCS."
    import json
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in LM_EVAL_DOCS))
    (tasks / "flan_nb_cli_check.yaml").write_text(
        "task: flan_nb_cli_check\ndataset_path: json\n"
        f"dataset_kwargs:\n  data_files:\n    validation: {tasks / 'docs.jsonl'}\n"
        "validation_split: validation\noutput_type: multiple_choice\n"
        "doc_to_text: '{{context}}'\ndoc_to_choice: '{{options}}'\ndoc_to_target: '{{answer}}'\ntarget_delimiter: ''\n"
        "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n")
    return tasks

def lm_eval_cli(tmp_path, *args):
    return flan_nb("lm-eval", *args, timeout=600, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1",
                   HF_DATASETS_CACHE=str(tmp_path / "hf_datasets"))

def test_lm_eval_on_a_workdir_scores_like_flan_nb(tmp_path):
    "`flan-nb lm-eval --model_args workdir=...` runs an lm-eval task; its accuracy is flan_nb's own scorer's."
    import json
    import numpy as np
    wd = tmp_path / "run"
    r = flan_nb("train", "--workdir", str(wd), "--set", "data.mixture=synthetic", "--set", "train.steps=1",
                "--set", "data.inputs_length=24", "--set", "data.targets_length=8", "--set", "train.progress=False",
                "--set", "model.overrides.max_seq_len=256")
    assert r.returncode == 0, r.stderr[-3000:]
    tasks, out = lm_eval_task(tmp_path), tmp_path / "out"
    r = lm_eval_cli(tmp_path, "--model_args", f"workdir={wd},score_eos=True", "--tasks", "flan_nb_cli_check",
                    "--include_path", str(tasks), "--batch_size", "4", "--output_path", str(out))
    assert r.returncode == 0, r.stderr[-4000:]
    assert "flan_nb_cli_check" in r.stdout and "acc" in r.stdout, r.stdout[-2000:]   # lm-eval's results table
    [results] = list(out.rglob("results_*.json"))
    got = json.loads(results.read_text())["results"]["flan_nb_cli_check"]["acc,none"]
    # flan_nb's scorer on the same token ids (byte vocabulary: context then option, then EOS as score_eos adds)
    from flan_nb.checkpointing import restore_model
    from flan_nb.evaluation import ScoreRequest, score_requests
    model, vocab, _ = restore_model(wd)
    reqs = [ScoreRequest(vocab.encode(d["context"]), [vocab.encode(o) + [vocab.eos_id] for o in d["options"]])
            for d in LM_EVAL_DOCS]
    sc = score_requests(model, reqs)
    want = np.mean([int(np.argmax(ll)) == d["answer"] for ll, d in zip(sc.loglik, LM_EVAL_DOCS)])
    assert abs(got - want) < 1e-9, (got, want, sc.loglik)

def test_lm_eval_bad_input_is_one_line(tmp_path):
    "A folder that is not a work directory, or another --model, ends as one line naming the problem (exit status 2)."
    tasks = lm_eval_task(tmp_path)
    r = lm_eval_cli(tmp_path, "--model_args", f"workdir={tmp_path}", "--tasks", "flan_nb_cli_check", "--include_path", str(tasks))
    assert r.returncode == 2, (r.returncode, r.stderr[-3000:])
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("flan-nb lm-eval: error: ") and "is not a train() work directory" in last, r.stderr[-3000:]
    r = lm_eval_cli(tmp_path, "--model", "hf", "--tasks", "flan_nb_cli_check")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "drop --model" in r.stderr, r.stderr[-3000:]
