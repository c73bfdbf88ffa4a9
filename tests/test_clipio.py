"""Clip I/O: the decoding rules of read_clip (window, bin-centre sampling, centre crop), resample_clip, write_clip."""

import numpy as np
import pytest

from squbed_utils.clipio import ClipError, read_clip, resample_clip, write_clip

FPS = 8
LEVEL_STEP = 12  # grey level of frame i is 12 * i, so up to 21 frames stay within 0..255 and decode unambiguously


def index_clip(frames=16, height=32, width=48):
    """A clip whose frame i is uniformly grey at level LEVEL_STEP * i."""
    return np.repeat((LEVEL_STEP * np.arange(frames, dtype=np.uint8))[:, None, None, None], 3, axis=-1) * np.ones(
        (1, height, width, 1), np.uint8
    )


def frame_indices(clip):
    """The index encoded in each frame of an index_clip (mean grey level / LEVEL_STEP, rounded)."""
    return np.rint(clip.reshape(len(clip), -1).mean(axis=1) / LEVEL_STEP).astype(int).tolist()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """A small mp4 file a.mp4 (16 frames, 2 s at 8 fps) and its folder."""
    root = tmp_path_factory.mktemp("clips")
    write_clip(root / "a.mp4", index_clip(), fps=FPS)
    return root


# -- read_clip / resample_clip / write_clip --------------------------------------------------------


def test_read_clip_shape_dtype_and_bin_centre_sampling(clips):
    clip = read_clip(clips / "a.mp4", frames=4, height=16, width=24)
    assert clip.shape == (4, 16, 24, 3) and clip.dtype == np.uint8
    # 16 frames in 4 bins of 4: the centres floor((k + 1/2) * 4) = 2, 6, 10, 14
    assert frame_indices(clip) == [2, 6, 10, 14]
    assert frame_indices(read_clip(clips / "a.mp4", frames=16, height=32, width=48)) == list(range(16))
    assert frame_indices(read_clip(clips / "a.mp4", frames=1, height=8, width=8)) == [8]
    assert frame_indices(read_clip(clips / "a.mp4", frames=5, height=8, width=8)) == [1, 4, 8, 11, 14]


def test_read_clip_windows_in_seconds(clips):
    # at 8 fps, [1.0, 1.5) holds frames 8..11; [0.3, 1.0) holds frames 3..7 (frame i shows at i / 8 s)
    assert frame_indices(read_clip(clips / "a.mp4", frames=4, height=8, width=8, start=1.0, end=1.5)) == [8, 9, 10, 11]
    assert frame_indices(read_clip(clips / "a.mp4", frames=5, height=8, width=8, start=0.3, end=1.0)) == [3, 4, 5, 6, 7]
    assert frame_indices(read_clip(clips / "a.mp4", frames=2, height=8, width=8, start=1.5)) == [13, 15]
    assert frame_indices(read_clip(clips / "a.mp4", frames=2, height=8, width=8, end=0.5)) == [1, 3]


def test_read_clip_errors(clips, tmp_path):
    with pytest.raises(ClipError, match=r"window \[1, 1.25\) s of .*a.mp4 holds 2 frames, fewer than the 4 asked: ask for fewer"):
        read_clip(clips / "a.mp4", frames=4, height=8, width=8, start=1.0, end=1.25)
    with pytest.raises(ClipError, match=r"holds 16 frames, fewer than the 20 asked"):
        read_clip(clips / "a.mp4", frames=20, height=8, width=8)
    with pytest.raises(ClipError, match=r"needs frames 8..23 at 8 fps but the video has only 16: the window runs past"):
        read_clip(clips / "a.mp4", frames=4, height=8, width=8, start=1.0, end=3.0)
    with pytest.raises(ClipError, match="starts after the video ends"):
        read_clip(clips / "a.mp4", frames=1, height=8, width=8, start=5.0)
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    with pytest.raises(ClipError, match=r"cannot decode video .*bad.mp4: .*re-encode"):
        read_clip(tmp_path / "bad.mp4", frames=1, height=8, width=8)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_clip(tmp_path / "none.mp4", frames=1, height=8, width=8)
    with pytest.raises(ValueError, match="end must be after start"):
        read_clip(clips / "a.mp4", frames=1, height=8, width=8, start=1.0, end=1.0)
    with pytest.raises(ValueError, match="frames must be a positive integer"):
        read_clip(clips / "a.mp4", frames=0, height=8, width=8)


def test_read_clip_crops_to_the_centre_instead_of_squashing(tmp_path):
    # 32 x 64 frames, red in the left quarter and blue in the right half
    frame = np.zeros((32, 64, 3), np.uint8)
    frame[:, :16, 0] = 255
    frame[:, 32:, 2] = 255
    np.save(tmp_path / "wide.npy", np.stack([frame] * 2))
    square = read_clip(tmp_path / "wide.npy", frames=2, height=16, width=16).astype(int)
    # the centre crop keeps columns 16..47, so no red; its right half is blue, its left half black
    assert square[..., 0].max() < 20
    assert square[:, :, 10:, 2].min() > 235 and square[:, :, :6, 2].max() < 20
    # a wider target keeps more width: columns 0..63 all fit into a 1:2 frame, so red reappears on the left
    wide = read_clip(tmp_path / "wide.npy", frames=2, height=8, width=16).astype(int)
    assert wide[:, :, :3, 0].min() > 235 and wide[:, :, 5:, 0].max() < 20
    # same for a tall frame: a green top quarter is cropped away
    tall = np.zeros((64, 32, 3), np.uint8)
    tall[:16, :, 1] = 255
    np.save(tmp_path / "tall.npy", tall[None])
    assert read_clip(tmp_path / "tall.npy", frames=1, height=16, width=16)[..., 1].max() < 20


def test_npy_clips_read_without_change_at_their_own_size(tmp_path):
    rng = np.random.default_rng(0)
    clip = rng.integers(0, 256, (6, 12, 10, 3), dtype=np.uint8)
    np.save(tmp_path / "toy.npy", clip)
    np.testing.assert_array_equal(read_clip(tmp_path / "toy.npy", frames=6, height=12, width=10), clip)
    np.testing.assert_array_equal(read_clip(tmp_path / "toy.npy", frames=3, height=12, width=10), clip[[1, 3, 5]])
    with pytest.raises(ValueError, match="has no time axis"):
        read_clip(tmp_path / "toy.npy", frames=1, height=4, width=4, start=0.5)


def test_write_clip_round_trip_psnr(tmp_path):
    t, y, x = np.meshgrid(np.arange(6), np.arange(32), np.arange(48), indexing="ij")
    red = 128 + 80 * np.sin(x / 12 + t / 2)
    green = 128 + 80 * np.cos(y / 10 - t / 3)
    clip = np.stack([red, green, 60 + 1.5 * (x + y)], axis=-1).round().astype(np.uint8)  # smooth colour content
    path = write_clip(tmp_path / "out" / "smooth.mp4", clip, fps=FPS)
    back = read_clip(path, frames=6, height=32, width=48)
    mse = np.mean((back.astype(float) - clip.astype(float)) ** 2)
    assert 10 * np.log10(255**2 / mse) > 37.0  # about 39.6 dB measured
    assert not list(path.parent.glob("*.part"))  # written atomically, no temporary left


def test_write_clip_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="needs an even height and width, got 15 x 16"):
        write_clip(tmp_path / "odd.mp4", np.zeros((2, 15, 16, 3), np.uint8))
    with pytest.raises(ValueError, match=r"uint8 array of shape \(T, H, W, 3\), got float64"):
        write_clip(tmp_path / "float.mp4", np.zeros((2, 16, 16, 3)))
    with pytest.raises(ValueError, match="writes .mp4 files"):
        write_clip(tmp_path / "clip.avi", np.zeros((2, 16, 16, 3), np.uint8))


def test_resample_clip_samples_bin_centres_and_checks_its_input():
    clip = index_clip()
    resampled = resample_clip(clip, frames=4, height=16, width=24)
    assert resampled.shape == (4, 16, 24, 3) and resampled.dtype == np.uint8
    assert frame_indices(resampled) == [2, 6, 10, 14]
    np.testing.assert_array_equal(resample_clip(clip, frames=16, height=32, width=48), clip)
    with pytest.raises(ClipError, match="the clip holds 16 frames, fewer than the 20 asked"):
        resample_clip(clip, frames=20, height=8, width=8)
    with pytest.raises(ValueError, match=r"clip must be uint8 of shape \(T, H, W, 3\), got float64"):
        resample_clip(clip.astype(float), frames=4, height=8, width=8)
