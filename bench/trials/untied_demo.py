"""Trial: the demo with untied input and output embeddings (`ModelConfig.tie_embeddings=False`), no ablation run.
usage: python bench/trials/untied_demo.py OUT [slow]
With `slow`: learning rate 1e-3 for the warm-up, pretraining and tuning, and a 1,000-step warm-up.
Prints the demo's summary (held-out scores, headroom, probes) and writes OUT/metrics.json."""
import sys
from flan_nb.demo import demo_config, run_demo
c = demo_config(); c.out, c.ablation = sys.argv[1], False
c.model.tie_embeddings = False
if len(sys.argv) > 2 and sys.argv[2] == "slow":
    c.warmup.update(steps=1000, learning_rate=1e-3); c.pretrain.learning_rate = c.tune.learning_rate = 1e-3
run_demo(c)
