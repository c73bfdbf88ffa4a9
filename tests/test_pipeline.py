"""The S-QUBED pipeline: seeds, per-item caching, resume after interruption, determinism, bad input."""

import numpy as np
import pandas as pd
import pytest

from squbed_utils import pipeline, uncertainty, world
from squbed_utils.generators.base import GeneratorConfig, VideoGenerator
from squbed_utils.prompts import ToyLatentPromptGenerator
from squbed_utils.store import ArrayStore, tensor_fingerprint


class RenderingGenerator(VideoGenerator):
    """A stand-in video model: renders completion ``seed % K`` of the prompt with render seed ``seed``.

    Deterministic, batch-independent and fast; counts the clips it makes and can be told to crash.
    """

    architecture = "RenderingGenerator"

    def __init__(self, offset: int = 0, crash_after: int | None = None):
        super().__init__(GeneratorConfig())
        self.offset = offset  # plays the part of the weights
        self.crash_after = crash_after
        self.clips_made = 0

    def state_dict(self):
        import torch

        return {"offset": torch.tensor([self.offset])}

    def generate_batch(self, prompts, seeds, **sampling):
        if self.crash_after is not None and self.clips_made >= self.crash_after:
            raise KeyboardInterrupt("simulated interruption")
        self.clips_made += len(prompts)
        objects = [world.parse_prompt(p).completions() for p in prompts]
        chosen = pd.DataFrame([options[(int(s) + self.offset) % len(options)] for options, s in zip(objects, seeds)])
        return world.render_batch(chosen, np.asarray(seeds) % 2**32)

    def save_pretrained(self, path):  # pragma: no cover - not needed here
        raise NotImplementedError

    @classmethod
    def from_pretrained(cls, path, **kwargs):  # pragma: no cover
        raise NotImplementedError


class CountingEmbedder:
    """Clips pooled to 4 x 4 pixel blocks, flattened and normalised: a tiny deterministic video embedder."""

    cache_key = "counting-embedder-v1"

    def __init__(self):
        self.clips_embedded = 0

    def __call__(self, clips):
        self.clips_embedded += len(clips)
        clips = np.asarray(clips, np.float64)
        n, t, h, w, _ = clips.shape
        vectors = clips.reshape(n, t, h // 4, 4, w // 4, 4, 3).mean(axis=(3, 5)).reshape(n, -1) + 1.0
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


class BagOfWords:
    """Text embedder: word counts over the toy vocabulary (plus one constant), normalised."""

    cache_key = "bag-of-words-v1"

    def __init__(self):
        self.words = sorted({w for p in world.make_tasks(8)["prompt"] for w in p.split()} | set(world.vocabulary()))

    def __call__(self, texts):
        rows = [[text.split().count(w) for w in self.words] + [1] for text in texts]
        vectors = np.asarray(rows, np.float64)
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def tasks():
    return world.make_tasks(8).head(5)


def _run(tasks, root, generator=None, n=3, m=2, seed=0):
    store = ArrayStore(root)
    latents = pipeline.refine_tasks(tasks, ToyLatentPromptGenerator(), n, seed=seed, store=store)
    return store, pipeline.generate_videos(latents, generator or RenderingGenerator(), m, seed=seed, store=store,
                                           clips_per_batch=4)


def test_refined_prompts_are_cached_per_task(tasks, tmp_path):
    store = ArrayStore(tmp_path)
    latents = pipeline.refine_tasks(tasks, ToyLatentPromptGenerator(), 4, seed=0, store=store)
    assert list(latents.columns) == list(pipeline.LATENT_COLUMNS) and len(latents) == 4 * len(tasks)
    assert (latents.groupby("task_id")["latent_prompt"].nunique() == 4).all()
    for task_id, prompt in zip(tasks["id"], tasks["prompt"]):
        for refined in latents.loc[latents["task_id"] == task_id, "latent_prompt"]:
            assert world.is_refinement(prompt, refined)

    refuses = ToyLatentPromptGenerator()  # same identity, but it must not be asked
    refuses._refine_many = lambda *args: pytest.fail("the cache should have answered")
    again = pipeline.refine_tasks(tasks, refuses, 4, seed=0, store=store)
    pd.testing.assert_frame_equal(again, latents)
    # a task's refined prompts do not depend on the other tasks in the table
    alone = pipeline.refine_tasks(tasks.iloc[[3]], ToyLatentPromptGenerator(), 4, seed=0, store=ArrayStore(tmp_path / "b"))
    assert alone["latent_prompt"].tolist() == latents.loc[latents["task_id"] == tasks["id"].iloc[3], "latent_prompt"].tolist()


def test_generation_resumes_and_redoes_only_missing_items(tasks, tmp_path):
    store, latents = _run(tasks, tmp_path)
    first = pipeline.load_videos(latents, store)
    assert first.shape == (len(latents), 2, 8, 32, 32, 3) and first.dtype == np.uint8
    deleted = latents["video_key"].iloc[[0, 4, 9]]
    for key in deleted:
        store.path(key).unlink()
    generator = RenderingGenerator()
    _, again = _run(tasks, tmp_path, generator)
    assert generator.clips_made == 3 * 2
    np.testing.assert_array_equal(pipeline.load_videos(again, store), first)


def test_an_interrupted_run_keeps_finished_batches(tasks, tmp_path):
    crashing = RenderingGenerator(crash_after=8)  # clips: the third batch of 4 never finishes
    with pytest.raises(KeyboardInterrupt):
        _run(tasks, tmp_path, crashing)
    saved = sum(1 for _ in (tmp_path).rglob("*.npy")) - len(tasks)  # minus the refined-prompt items
    assert saved == 2 * 2  # two batches of 4 clips = 2 rows of m = 2 each
    resumed = RenderingGenerator()
    store, latents = _run(tasks, tmp_path, resumed)
    assert resumed.clips_made == (len(latents) - 4) * 2
    _, clean = _run(tasks, tmp_path / "clean")
    np.testing.assert_array_equal(pipeline.load_videos(latents, store),
                                  pipeline.load_videos(clean, ArrayStore(tmp_path / "clean")))


@pytest.mark.parametrize("change", ["m", "seed", "weights", "sampling"])
def test_a_changed_parameter_never_reuses_a_cached_video(tasks, tmp_path, change):
    store, latents = _run(tasks, tmp_path)
    generator = RenderingGenerator(offset=1 if change == "weights" else 0)
    options = {"m": 3 if change == "m" else 2, "seed": 0}
    sampling = {"guidance_scale": 3.0} if change == "sampling" else {}
    refined = latents[list(pipeline.LATENT_COLUMNS)]
    if change == "seed":
        options["seed"] = 1
    changed = pipeline.generate_videos(refined, generator, options["m"], seed=options["seed"], store=store, **sampling)
    assert not set(changed["video_key"]) & set(latents["video_key"])
    assert generator.clips_made == len(latents) * options["m"]


def test_generator_key_follows_the_weights():
    assert RenderingGenerator(0).cache_key == RenderingGenerator(0).cache_key != RenderingGenerator(1).cache_key
    import torch

    state = {"w": torch.zeros(3)}
    before = tensor_fingerprint(state)
    state["w"][1] = 1e-30
    assert tensor_fingerprint(state) != before


def test_embeddings_are_aligned_with_rows_and_cached(tasks, tmp_path):
    store, latents = _run(tasks, tmp_path)
    shuffled = latents.sample(frac=1.0, random_state=0)
    text = BagOfWords()
    vectors = pipeline.embed_texts(shuffled, text, store=store)
    np.testing.assert_allclose(vectors, text(shuffled["latent_prompt"].tolist()), atol=1e-7)
    embedder = CountingEmbedder()
    videos = pipeline.embed_videos(shuffled, embedder, store=store)
    assert videos.shape == (len(latents), 2, 8 * 8 * 8 * 3)
    np.testing.assert_allclose(videos[5], embedder(pipeline.load_videos(shuffled.iloc[[5]], store)[0]), atol=1e-7)
    embedder.clips_embedded = 0
    pipeline.embed_videos(shuffled, embedder, store=store)
    assert embedder.clips_embedded == 0


def test_same_seed_gives_identical_results_from_fresh_caches(tasks, tmp_path):
    tables = []
    for run in ("a", "b"):
        store, latents = _run(tasks, tmp_path / run)
        ids, text = pipeline.per_task(latents, pipeline.embed_texts(latents, BagOfWords(), store=store))
        _, video = pipeline.per_task(latents, pipeline.embed_videos(latents, CountingEmbedder(), store=store))
        tables.append((latents, uncertainty.decompose_tasks(text, video, ids)))
    pd.testing.assert_frame_equal(tables[0][0], tables[1][0])
    pd.testing.assert_frame_equal(tables[0][1], tables[1][1])
    assert np.isfinite(tables[0][1].to_numpy(float)).all()


def test_videos_by_task_follow_per_task_order(tasks, tmp_path):
    store, latents = _run(tasks, tmp_path)
    ids, keys = pipeline.per_task(latents, latents["video_key"].to_numpy())
    streamed = list(pipeline.videos_by_task(latents.iloc[::-1], store))
    assert [task_id for task_id, _ in streamed] == ids[::-1]
    task_id, clips = streamed[0]
    assert clips.shape == (3, 2, 8, 32, 32, 3)
    np.testing.assert_array_equal(clips[0], store.load(keys[-1][0]))


@pytest.mark.parametrize("n, m, message", [(1, 2, "n .*at least 2"), (2, 1, "m .*at least 2"), (2.5, 2, "integer")])
def test_n_or_m_below_two_is_refused(tasks, tmp_path, n, m, message):
    with pytest.raises(ValueError, match=message):
        _run(tasks, tmp_path, n=n, m=m)


def test_bad_tables_are_refused(tasks, tmp_path):
    store = ArrayStore(tmp_path)
    with pytest.raises(ValueError, match="empty"):
        pipeline.refine_tasks(tasks.iloc[:0], ToyLatentPromptGenerator(), 2, seed=0, store=store)
    with pytest.raises(ValueError, match="lacks columns"):
        pipeline.refine_tasks(tasks.drop(columns="prompt"), ToyLatentPromptGenerator(), 2, seed=0, store=store)
    with pytest.raises(ValueError, match="empty prompt"):
        pipeline.refine_tasks(tasks.assign(prompt=["", *tasks["prompt"][1:]]), ToyLatentPromptGenerator(), 2,
                              seed=0, store=store)
    latents = pipeline.refine_tasks(tasks, ToyLatentPromptGenerator(), 2, seed=0, store=store)
    with pytest.raises(ValueError, match="video_key"):
        pipeline.load_videos(latents, store)
    with pytest.raises(ValueError, match="seed"):
        pipeline.generate_videos(latents, RenderingGenerator(), 2, seed=-1, store=store)
    with pytest.raises(ValueError, match="values for a latent table"):
        pipeline.per_task(latents, np.zeros(3))
