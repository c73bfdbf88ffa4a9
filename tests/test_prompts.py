"""Latent prompt generators: the toy-world sampler, the LLM answer parser, and the LLM generator."""

import json
import re
from collections import Counter

import pytest

from squbed_utils import world
from squbed_utils.seeds import derive_seed
from squbed_utils.prompts import (
    LLMLatentPromptGenerator,
    LLMPromptConfig,
    ToyLatentPromptGenerator,
    convert_gguf,
    load_template,
    packaged_gguf_path,
    parse_refined_prompts,
    render_messages,
)
from squbed_utils.prompts import llm_text

TOY_PROMPTS = ["something red moves", "a small shape", "something", "a big blue thing moves sideways", "a cross falls"]


# ---------------------------------------------------------------------------
# toy generator


@pytest.fixture(scope="module")
def toy():
    return ToyLatentPromptGenerator()


@pytest.mark.parametrize("prompt", TOY_PROMPTS)
@pytest.mark.parametrize("n", [1, 4, 10])
def test_toy_refined_prompts_are_distinct_full_readings_of_the_prompt(toy, prompt, n):
    task = world.parse_prompt(prompt)
    refinements = toy.sample_completions(prompt, n, seed=7)
    texts = [r.text for r in refinements]
    assert texts == toy(prompt, n, seed=7)
    assert len(texts) == n and len(set(texts)) == n
    for text, attributes in refinements:
        refined = world.parse_prompt(text)
        assert refined.n_completions == 1 and refined.completions()[0] == attributes
        assert task.allows(attributes)
    if task.n_completions >= n:  # without replacement while there are enough objects
        assert len({r.attributes for r in refinements}) == n


def test_toy_balances_repeats_when_the_prompt_has_fewer_completions_than_n(toy):
    refinements = toy.sample_completions("a small red circle moves sideways", 5, seed=1)  # 2 completions
    counts = Counter(r.attributes.motion for r in refinements)
    assert sorted(counts.values()) == [2, 3] and set(counts) == {"left", "right"}
    assert len({r.text for r in refinements}) == 5


def test_fully_specified_prompt_gives_rephrasings_of_one_object(toy):
    prompt = "a large green triangle stays still"  # the world has exactly 10 phrasings of this object
    refinements = toy.sample_completions(prompt, 10, seed=3)
    assert {r.attributes for r in refinements} == {world.Attributes("triangle", "green", "still", "large")}
    assert len({r.text for r in refinements}) == 10
    assert len(toy(prompt, 12, seed=3)) == 12  # more than the phrasings: repeats, still n prompts


def test_toy_is_deterministic_under_a_seed_and_varies_with_it(toy):
    assert toy("something", 10, seed=5) == toy("something", 10, seed=5)
    assert toy("something", 10, seed=5) != toy("something", 10, seed=6)
    batch = toy.generate(["something", "a small shape"], 3, seeds=[5, 9])
    assert batch == [toy("something", 3, 5), toy("a small shape", 3, 9)]
    rooted = toy.generate(["something", "something"], 3, seeds=11)
    assert rooted == [toy("something", 3, derive_seed(11, 0)), toy("something", 3, derive_seed(11, 1))]
    assert rooted[0] != rooted[1]


def test_toy_iid_sampling_and_config(toy):
    iid = ToyLatentPromptGenerator(sampling="iid")
    for text, attributes in iid.sample_completions("something red", 20, seed=0):
        assert world.parse_prompt("something red").allows(attributes)
    assert json.loads(json.dumps(toy.cache_info())) == {"generator": "ToyLatentPromptGenerator",
                                                        "config": {"sampling": "balanced"}}
    assert toy.cache_key != iid.cache_key and len(toy.cache_key) == 16
    with pytest.raises(ValueError, match="sampling"):
        ToyLatentPromptGenerator(sampling="stratified")


@pytest.mark.parametrize(
    ("prompt", "n", "message"),
    [
        ("something", 0, "n .* must be >= 1"),
        ("something", -2, "n .* must be >= 1"),
        ("something", 2.5, "integer"),
        ("", 3, "empty prompt"),
        ("   ", 3, "empty prompt"),
        (None, 3, "must be a string"),
        ("a dog playing", 3, "unknown word 'dog'.*LLMLatentPromptGenerator"),
    ],
)
def test_toy_bad_input_raises_clear_errors(toy, prompt, n, message):
    with pytest.raises(ValueError, match=message):
        toy(prompt, n, seed=0)


def test_generate_checks_its_arguments(toy):
    with pytest.raises(ValueError, match="2 seeds for 1 prompts"):
        toy.generate(["something"], 2, seeds=[1, 2])
    with pytest.raises(ValueError, match="list of prompts"):
        toy.generate("something", 2)
    with pytest.raises(ValueError, match="n .* must be >= 1"):
        toy.generate([], 0)
    assert toy.generate([], 3) == []


# ---------------------------------------------------------------------------
# parser and template


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. a red ball\n2) a blue cube\n(3) a green cone\n4 - a cat", ["a red ball", "a blue cube", "a green cone", "a cat"]),
        ("- a red ball\n* a blue cube\n• a green cone\n  -  a cat  ", ["a red ball", "a blue cube", "a green cone", "a cat"]),
        ('"a red ball"\n\u201ca blue cube.\u201d\n\'a green cone\'', ["a red ball", "a blue cube.", "a green cone"]),
        ("a red ball\nA Red Ball.\n a  red ball \n2. a red ball!", ["a red ball"]),
        ("Sure! Here are 3 refined prompts:\n\nRefined prompts:\na red ball\n\n\na blue cube\nRewrite each prompt below.", ["a red ball", "a blue cube"]),
        ("Prompt 1: a red ball\n**a blue cube**\n### a green cone", ["a red ball", "a blue cube", "a green cone"]),
        ("something red\nSomething red.\n1. a red ball\n---\n42\n", ["a red ball"]),
        ("", []),
        ("\n \n\t\n", []),
    ],
    ids=["numbering", "bullets", "quotes", "duplicates", "preamble", "labels", "original-and-junk", "empty", "blank"],
)
def test_parser_cleans_and_dedupes(text, expected):
    assert parse_refined_prompts(text, "something red") == expected


def test_text_side_lives_in_llm_text_and_compares_prompts_in_normal_form():
    assert (parse_refined_prompts, load_template, render_messages) == (
        llm_text.parse_refined_prompts, llm_text.load_template, llm_text.render_messages)
    assert llm_text.normalise_prompt('  "A  Red ball!" ') == "a red ball"
    assert (llm_text.TEMPLATES_DIR / llm_text.DEFAULT_TEMPLATE).is_file()
    assert load_template() == (llm_text.TEMPLATES_DIR / "refine.txt").read_text(encoding="utf-8")


def test_parser_keeps_at_most_n_and_may_return_fewer():
    text = "a\n1. red ball\n2. blue cube\n3. green cone"
    assert parse_refined_prompts(text, "x", n=2) == ["a", "red ball"]
    assert parse_refined_prompts("a red ball", "x", n=5) == ["a red ball"]  # too few: the caller decides
    assert parse_refined_prompts(None, "x") == []
    with pytest.raises(ValueError):
        parse_refined_prompts("a", "x", n=-1)


@pytest.mark.parametrize("name", ["refine.txt", "refine_toy.txt"])
def test_packaged_templates_render_to_chat_messages(name):
    messages = render_messages(load_template(name), "something red moves", 7)
    assert messages[0]["role"] == "system" and messages[-1]["role"] == "user"
    assert "something red moves" in messages[-1]["content"] and "7" in messages[-1]["content"]
    assert all(m["content"] and "{prompt}" not in m["content"] for m in messages)
    assert [m["role"] for m in messages[1:]] == ["user", "assistant"] * ((len(messages) - 2) // 2) + ["user"]


def test_template_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no template file 'nope.txt'"):
        load_template("nope.txt")
    with pytest.raises(ValueError, match="must end with a \\[user\\]"):
        render_messages("[system]\nhi\n[assistant]\nyo", "x", 1)
    with pytest.raises(ValueError, match="before the first"):
        render_messages("hello\n[user]\n{prompt}", "x", 1)
    own = tmp_path / "mine.txt"
    own.write_text("# comment\n[user]\nGive {n} versions of {prompt}, one per line.\n")
    assert render_messages(load_template(own), "a cat", 2) == [
        {"role": "user", "content": "Give 2 versions of a cat, one per line."}
    ]


# ---------------------------------------------------------------------------
# LLM generator on a tiny random model (the packaged tokenizer, random weights)


@pytest.fixture(scope="module")
def smollm2_folder():
    """The packaged SmolLM2 GGUF converted to a Transformers folder (converted once, then cached)."""
    return convert_gguf(packaged_gguf_path())


@pytest.fixture(scope="module")
def tiny_lm(smollm2_folder):
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(smollm2_folder, local_files_only=True)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=2048,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).eval()
    return model, tokenizer


def test_tiny_model_sampling_is_seeded_and_batch_independent(tiny_lm):
    import torch

    model, tokenizer = tiny_lm
    llm = LLMLatentPromptGenerator(model, tokenizer, name="tiny-random", threads=1, batch_size=4)
    text = llm.chat_text("something red moves", 3)
    threads = torch.get_num_threads()
    one = llm.complete([text], [1], max_new_tokens=12)
    assert torch.get_num_threads() == threads  # the thread count is restored after generating
    assert one == llm.complete([text], [1], max_new_tokens=12)
    three = llm.complete([text, text, text], [2, 1, 3], max_new_tokens=12)
    assert three[1] == one[0]  # a row's sample does not depend on its batch
    assert len({answer for answer, _ in three}) == 3
    assert llm.config.device == "cpu" and llm.config.model == "tiny-random"
    json.dumps(llm.cache_info())


def test_tiny_model_retries_then_raises_a_clear_error(tiny_lm, monkeypatch):
    model, tokenizer = tiny_lm
    llm = LLMLatentPromptGenerator(model, tokenizer, name="tiny-random", threads=1, max_new_tokens=4,
                                   max_attempts=3, answers_per_attempt=2)
    calls = []
    original = llm.complete
    monkeypatch.setattr(llm, "complete", lambda texts, seeds, *a, **k: calls.append(list(seeds)) or original(texts, seeds, *a, **k))
    with pytest.raises(RuntimeError, match=r"only \d distinct refined prompts out of n=5 .* 6 sampled answers"
                                           r".*max_attempts=3.*larger instruction-tuned model.*smaller n"):
        llm("something red moves", 5, seed=0)
    assert len(calls) == 3 and len({s for seeds in calls for s in seeds}) == 6  # a new seed for every answer
    with pytest.raises(RuntimeError) as again:
        llm("something red moves", 5, seed=0)
    with pytest.raises(RuntimeError) as first:
        llm.complete = original
        llm("something red moves", 5, seed=0)
    assert str(again.value) == str(first.value)  # deterministic, failures included


class ScriptedLLM(LLMLatentPromptGenerator):
    """The generator's retry logic on scripted answers instead of a model."""

    def __init__(self, answers, **settings):
        self.answers, self.seeds = list(answers), []
        self.config = LLMPromptConfig(model="scripted", **settings)
        self.template_text = load_template(self.config.template)

    def chat_text(self, prompt, n):
        return prompt

    def complete(self, texts, seeds, max_new_tokens, max_lines=None, min_lines=None):
        self.seeds += list(seeds)
        return [self.answers.pop(0) for _ in texts]


def test_retries_collect_distinct_prompts_across_attempts():
    llm = ScriptedLLM([
        ("Here are 4:\n1. a red ball\n2. something red\n3. A red ball.\n4. a red cu", False),  # cut off at the end
        ("- a red cube\n- a red ball\n", True),
        ("a red cone\na red disc\na red star", True),
    ], max_attempts=5)
    assert llm("something red", 3, seed=4) == ["a red ball", "a red cube", "a red cone"]
    assert llm.seeds == [derive_seed(4, a, 0) for a in range(3)]
    assert ScriptedLLM([("a\nb\nc", True)])("x", 2, seed=0) == ["a", "b"]


def test_llm_bad_input_and_settings(tiny_lm):
    model, tokenizer = tiny_lm
    llm = LLMLatentPromptGenerator(model, tokenizer)
    with pytest.raises(ValueError, match="empty prompt"):
        llm("  ", 3)
    with pytest.raises(ValueError, match="must be >= 1"):
        llm("something", 0)
    with pytest.raises(TypeError, match="unknown settings \\['temprature'\\]"):
        LLMLatentPromptGenerator(model, tokenizer, temprature=0.5)
    with pytest.raises(ValueError, match="top_p"):
        LLMLatentPromptGenerator(model, tokenizer, top_p=0)
    with pytest.raises(FileNotFoundError, match="no template file"):
        LLMLatentPromptGenerator(model, tokenizer, template="missing.txt")


def test_from_pretrained_errors(tmp_path):
    import torch

    missing = tmp_path / "no-such-model"
    named = re.escape(f"no model at local path {str(missing)!r}; pass an existing model folder")
    with pytest.raises(FileNotFoundError, match=named):
        LLMLatentPromptGenerator.from_pretrained(missing)
    with pytest.raises(FileNotFoundError, match="models/nowhere.gguf"):
        LLMLatentPromptGenerator.from_pretrained("./models/nowhere.gguf")
    with pytest.raises(ValueError, match="unknown dtype"):
        LLMLatentPromptGenerator.from_pretrained(missing, dtype="float8")
    with pytest.raises(ValueError, match="unknown device"):
        LLMLatentPromptGenerator.from_pretrained(missing, device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA GPU"):
            LLMLatentPromptGenerator.from_pretrained(None, device="cuda")
    with pytest.raises(FileNotFoundError, match="not in the local Hugging Face cache"):
        LLMLatentPromptGenerator.from_pretrained("squbed-test-org/no-such-model")


# ---------------------------------------------------------------------------
# the packaged SmolLM2-135M-Instruct


@pytest.mark.slow
def test_packaged_smollm2_refines_a_toy_prompt(smollm2_folder):
    llm = LLMLatentPromptGenerator.from_pretrained(threads=1, template="refine_toy.txt")
    assert llm.config.model == "packaged:SmolLM2-135M-Instruct.Q4_1.gguf"
    prompts = llm("something red moves", 3, seed=0)
    assert len(prompts) == 3 and len({p.lower() for p in prompts}) == 3
    assert all(p.strip() and p.lower() != "something red moves" and "\n" not in p for p in prompts)


# ---------------------------------------------------------------------------
# loading from a folder, chat templates, sampling settings, empty answers (tiny random model)


def test_local_folder_loads_in_the_asked_dtype(tiny_lm, tmp_path):
    import torch

    model, tokenizer = tiny_lm
    folder = tmp_path / "tiny-llm"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    half = LLMLatentPromptGenerator.from_pretrained(folder, dtype="bfloat16", threads=1)
    assert (half.config.model, half.config.device, half.config.dtype) == (str(folder), "cpu", "bfloat16")
    assert next(half.model.parameters()).dtype == torch.bfloat16
    answer, _ = half.complete([half.chat_text("a cat", 2)], [0], max_new_tokens=4)[0]
    assert isinstance(answer, str)
    full = LLMLatentPromptGenerator.from_pretrained(str(folder), dtype="auto")  # auto: float32 on a CPU
    assert full.config.dtype == "float32" and full.cache_key != half.cache_key


def test_chat_text_uses_the_tokenizers_chat_template_else_plain_turns(tiny_lm, monkeypatch):
    model, tokenizer = tiny_lm
    llm = LLMLatentPromptGenerator(model, tokenizer, name="tiny-random")
    request = "Prompt: a cat\nWrite 3 specific versions, one per line."
    system = llm.messages("a cat", 3)[0]["content"]
    text = llm.chat_text("a cat", 3)  # SmolLM2's ChatML template
    assert text.startswith(f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\nPrompt: a dog playing")
    assert text.endswith(f"<|im_start|>user\n{request}<|im_end|>\n<|im_start|>assistant\n")
    monkeypatch.setattr(tokenizer, "chat_template", None)
    plain = llm.chat_text("a cat", 3)
    assert plain.startswith(f"System: {system}\n\nUser: Prompt: a dog playing")
    assert plain.endswith(f"User: {request}\n\nAssistant:")


def test_sampling_settings_shape_the_samples(tiny_lm):
    model, tokenizer = tiny_lm
    settings = {"name": "tiny-random", "threads": 1}
    text = LLMLatentPromptGenerator(model, tokenizer, **settings).chat_text("something red moves", 3)

    def answers(**sampling):
        llm = LLMLatentPromptGenerator(model, tokenizer, **settings, **sampling)
        return [answer for answer, _ in llm.complete([text, text], [0, 1], max_new_tokens=8)]

    greedy = answers(temperature=0)
    assert greedy[0] == greedy[1]  # temperature 0: the seed does not matter
    assert answers(temperature=0.8, top_k=1) == greedy  # one candidate left: the argmax
    assert answers(temperature=0.8, top_p=1e-6) == greedy  # the smallest set reaching top_p: the argmax
    sampled = answers(temperature=1.0)
    assert sampled[0] != sampled[1]


def test_template_text_is_part_of_the_cache_key(tiny_lm, tmp_path):
    model, tokenizer = tiny_lm
    own = tmp_path / "mine.txt"
    own.write_text("[user]\nGive {n} versions of {prompt}, one per line.\n")
    before = LLMLatentPromptGenerator(model, tokenizer, template=own).cache_key
    own.write_text("[user]\nGive {n} detailed versions of {prompt}, one per line.\n")
    assert LLMLatentPromptGenerator(model, tokenizer, template=own).cache_key != before


def test_empty_answers_end_in_a_clear_error():
    llm = ScriptedLLM([("", True), ("\n\n", True), ("Sure! Here they are:\n", True)], max_attempts=3)
    with pytest.raises(RuntimeError, match=r"only 0 distinct refined prompts out of n=2 for 'x' from 3 sampled answers"):
        llm("x", 2, seed=0)
