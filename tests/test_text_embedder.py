"""The packaged MiniLM sentence embedder (local files only)."""

import numpy as np
import pytest

from squbed_utils.embedders import SentenceEmbedder


@pytest.fixture(scope="module")
def embedder():
    return SentenceEmbedder.from_pretrained()


def test_shape_dtype_and_unit_norm(embedder):
    vectors = embedder(["a small red circle moves to the left", "something blue", "a big violet plus sign sinks"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder("one text").shape == (1, 384)
    assert embedder([]).shape == (0, 384)


def test_similar_captions_are_closer_than_unrelated_ones(embedder):
    a, b, c = embedder(["a small red circle moves to the left", "a little scarlet disc slides leftwards",
                        "a large blue square stays still"])
    assert a @ b > a @ c


def test_cache_serves_repeated_texts(embedder):
    embedder.clear_cache()
    first = embedder(["a red circle", "a blue square", "a red circle"])
    assert embedder.cache_size == 2
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_array_equal(embedder(["a blue square"])[0], first[1])
    assert embedder.cache_size == 2


def test_exact_mode_does_not_depend_on_the_other_texts(embedder):
    alone = embedder(["a green triangle rises"], exact=True)[0]
    embedder.clear_cache()
    together = embedder(["a much longer prompt about a yellow cross drifting", "a green triangle rises"], exact=True)
    np.testing.assert_array_equal(together[1], alone)


def test_missing_model_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no sentence-transformers model folder"):
        SentenceEmbedder.from_pretrained(tmp_path / "nowhere")
