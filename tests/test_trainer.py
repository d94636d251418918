"""What cannot sit in a notebook cell: training runs in subprocesses that are killed with SIGKILL, two JAX processes
joined by `jax.distributed` on 127.0.0.1 (gloo collectives on CPU), and a survivor whose peer dies.

Each run is `flan_nb.trainer.train` on synthetic packed rows (`data.mixture = "synthetic"`: every global batch is a
function of the seed and its index, and each process takes its own rows of it), so the runs are comparable; one pair
reads a FLAN-mini mixture through the Grain pipeline instead, to check that every process's data position is saved."""
import json, os, shutil, signal, socket, subprocess, sys, textwrap, time
from pathlib import Path
import pytest
from conftest import xla_flags

DRIVER = textwrap.dedent("""
    import json, os, sys
    import ml_collections
    from flan_nb.config import default_config
    from flan_nb.trainer import train
    args = json.loads(sys.argv[1])
    c = default_config()
    c.model.overrides = ml_collections.ConfigDict(dict(vocab_size=264, max_seq_len=64))
    c.data.update(mixture="synthetic", inputs_length=24, targets_length=8, batch_size=8)
    c.optimizer.update(name="adamw", learning_rate=3e-3)
    c.train.update(log_every=5, progress=False)
    for k, v in args["set"].items():
        sec, _, key = k.rpartition(".")
        (c[sec] if sec else c)[key] = v
    kill_at, print_every = args.get("kill_at"), args.get("print_every")
    def cb(step, m):
        if print_every and step % print_every == 0: print(f"STEP {step}", flush=True)
        if step == kill_at: os.kill(os.getpid(), 9)   # kill -9 mid-run, with an async checkpoint possibly in flight
    r = train(c, callbacks=[cb])
    print("LOSSES " + json.dumps({"start": r.start_step, "losses": r.losses()}), flush=True)
""")

def env(devices: int = 1) -> dict:
    return {**os.environ, "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1",
            "XLA_FLAGS": xla_flags(f"--xla_force_host_platform_device_count={devices}")}

def run(settings: dict, devices: int = 1, kill_at: int | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", DRIVER, json.dumps({"set": settings, "kill_at": kill_at})],
                          env=env(devices), capture_output=True, text=True, timeout=timeout)

def losses(r: subprocess.CompletedProcess) -> dict:
    assert r.returncode == 0, r.stderr[-4000:]
    line = [l for l in r.stdout.splitlines() if l.startswith("LOSSES ")]
    assert line, r.stdout[-2000:]
    return json.loads(line[-1][len("LOSSES "):])

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def test_kill_and_resume(tmp_path):
    "SIGKILL at step 11 (checkpoints every 5), resume: the losses from the restored step on, and the metrics.jsonl history, equal an uninterrupted run."
    base = {"train.steps": 16, "checkpoint.every": 5, "mesh.data": 4}
    ref = losses(run({**base, "workdir": ""}, devices=4))
    wd = tmp_path / "run"
    killed = run({**base, "workdir": str(wd)}, devices=4, kill_at=11)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
    steps = sorted(int(p.name) for p in (wd / "checkpoints").iterdir() if p.name.isdigit())
    assert steps and steps[-1] in (5, 10), steps            # step 10's async save may or may not have finished
    history = lambda: [json.loads(l) for l in (wd / "metrics.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history()] == list(range(1, 12))      # flushed every step: nothing lost with the process
    moved = tmp_path / "other_mesh"
    shutil.copytree(wd, moved)
    resumed = losses(run({**base, "workdir": str(wd)}, devices=4))
    assert resumed["start"] == steps[-1]
    assert resumed["losses"] == ref["losses"][resumed["start"]:]          # bit-identical: same mesh, same data
    assert sorted(int(p.name) for p in (wd / "checkpoints").iterdir() if p.name.isdigit()) == [10, 15, 16]  # keep=3
    assert [h["step"] for h in history()] == list(range(1, 17))      # the killed run's lines after its checkpoint dropped
    assert [h["loss"] for h in history()] == ref["losses"]           # one uninterrupted history
    # the same checkpoint restored onto another mesh shape (1 x 2 x 2 instead of 4 x 1 x 1)
    other = losses(run({**base, "workdir": str(moved), "mesh.data": 1, "mesh.fsdp": 2, "mesh.tensor": 2}, devices=4))
    assert other["start"] == steps[-1]
    assert other["losses"] == pytest.approx(ref["losses"][other["start"]:], rel=1e-4)

def run_pair(settings: dict, port: int | None = None) -> list[dict]:
    "The same run in two processes (one CPU device each, gloo): each one's start step and losses."
    port = port or free_port()
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER, json.dumps({"set": {
                **settings, "distributed.coordinator_address": f"127.0.0.1:{port}", "distributed.num_processes": 2,
                "distributed.process_id": i, "distributed.heartbeat_timeout_s": 20}})],
             env=env(1), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-4000:]
    two = [json.loads(l[len("LOSSES "):]) for out, _ in outs for l in out.splitlines() if l.startswith("LOSSES ")]
    assert len(two) == 2 and two[0] == two[1], two
    return two

def test_two_processes(tmp_path):
    "Two processes (one CPU device each, gloo) train and checkpoint; losses equal one process with two devices."
    wd = tmp_path / "mp"
    base = {"train.steps": 6, "checkpoint.every": 3, "mesh.data": 2}
    two = run_pair({**base, "workdir": str(wd)})
    one = losses(run({**base, "workdir": ""}, devices=2))
    assert two[0]["losses"] == pytest.approx(one["losses"], rel=1e-5)
    assert sorted(int(p.name) for p in (wd / "checkpoints").iterdir() if p.name.isdigit()) == [3, 6]

def test_two_processes_resume_the_grain_pipeline(tmp_path):
    """Two processes read disjoint parts of a FLAN-mini mixture through Grain (data.pipeline=grain); each checkpoint
    saves both pipelines' states, and a pair stopped at step 3 and resumed gives the losses of one uninterrupted pair."""
    grain = {"data.mixture": "heldout:nli", "data.collection": "mini", "data.pipeline": "grain", "data.inputs_length": 384,
             "data.targets_length": 128, "model.overrides.max_seq_len": 512, "checkpoint.every": 3, "mesh.data": 2,
             "train.print_config": False}
    whole = run_pair({**grain, "train.steps": 6, "workdir": str(tmp_path / "whole")})
    first = run_pair({**grain, "train.steps": 3, "workdir": str(tmp_path / "parts")})
    saved = json.loads((tmp_path / "parts" / "checkpoints" / "3" / "data" / "metadata").read_text())["pipeline_state"]
    assert len(saved) == 2 and saved[0] != saved[1], saved     # rows packed from different examples: different positions
    rest = run_pair({**grain, "train.steps": 6, "workdir": str(tmp_path / "parts")})
    assert rest[0]["start"] == 3
    assert first[0]["losses"] + rest[0]["losses"] == whole[0]["losses"]

def test_survivor_fails_when_peer_dies(tmp_path):
    "Kill process 1 of a running pair: process 0 exits with an error within a bounded time instead of hanging."
    port = free_port()
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER, json.dumps({"print_every": 5, "set": {
                "train.steps": 100000, "workdir": "", "mesh.data": 2, "distributed.coordinator_address": f"127.0.0.1:{port}",
                "distributed.num_processes": 2, "distributed.process_id": i, "distributed.heartbeat_timeout_s": 10}})],
             env=env(1), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    try:
        deadline = time.time() + 240
        for line in procs[0].stdout:                       # wait until both are training
            if line.startswith("STEP 10") or time.time() > deadline: break
        assert time.time() < deadline, "the pair never started training"
        procs[1].kill()
        t0 = time.time()
        try: procs[0].wait(timeout=120)
        except subprocess.TimeoutExpired: pytest.fail("the surviving process hung for 120 s after its peer died")
        assert procs[0].returncode != 0
        print(f"survivor exited with {procs[0].returncode} after {time.time() - t0:.1f} s")
    finally:
        for p in procs:
            if p.poll() is None: p.kill()
