"""Figures that do not churn: the same data draws the same bytes, in a notebook or here."""

import pandas as pd

from squbed_utils import reference
from squbed_utils.plots import plot_generator_accuracy, save_figure, set_style
from squbed_utils.profiles import get_profile, project_root


def test_a_redrawn_figure_is_byte_identical_to_the_committed_one(tmp_path):
    """figures/generator_accuracy was drawn by notebook 02 from the table committed in results/default."""
    set_style()
    table = pd.read_csv(reference.results_dir("default") / "generator_accuracy.csv", index_col=["checkpoint", "knowledge"])
    paths = save_figure(plot_generator_accuracy(table), "generator_accuracy", get_profile("default", artifacts=tmp_path))
    for path in paths:
        committed = project_root() / "figures" / path.name
        assert path.read_bytes() == committed.read_bytes(), f"{path.name} differs from the committed {committed}"


# --- the figure index ------------------------------------------------------------


def test_the_committed_figure_index_lists_every_figure_with_its_notebook():
    from squbed_utils import figure_index

    folder = project_root() / "figures"
    assert (folder / figure_index.INDEX_NAME).read_text() == figure_index.index_text(folder), (
        "figures/README.md is stale: run the notebook that drew the new figure (or `make figures`)")
    sources = figure_index.figure_sources()
    on_disk = {path.stem for path in folder.glob("*.png")}
    assert on_disk <= set(sources), f"figures no notebook saves: {sorted(on_disk - set(sources))}"
    assert {path.stem for path in folder.glob("*.pdf")} == on_disk
    # every figure the default profile draws (not the real-clip ones) is committed
    toy = {name for name, places in sources.items() if any(p.world != "real_clips" for p in places)}
    assert toy <= on_disk, f"figures the default run draws but figures/ lacks: {sorted(toy - on_disk)}"
    assert figure_index.notebook_of("truth_scatter") == "08_truth_validation.ipynb"
    assert {p.world for p in sources["task_examples"]} == {"real_clips"}


def test_save_figure_keeps_the_index_current_and_flags_stale_files(tmp_path):
    import matplotlib.pyplot as plt

    from squbed_utils import figure_index

    profile = get_profile("tiny", artifacts=tmp_path)
    fig, _ = plt.subplots()
    save_figure(fig, "truth_scatter", profile)
    (profile.figures_dir / "old_figure.png").write_bytes(b"png")
    save_figure(fig, "epistemic_by_rung", profile)
    text = (profile.figures_dir / figure_index.INDEX_NAME).read_text()
    assert "| [truth_scatter](truth_scatter.png) | `08_truth_validation.ipynb` |" in text
    assert "[epistemic_by_rung](epistemic_by_rung.png)" in text
    assert "| [old_figure](old_figure.png) | `(no notebook saves it: a stale file?)` |" in text


def test_notebook_of_an_unknown_figure_is_a_clear_error(capsys):
    import pytest

    from squbed_utils import figure_index

    with pytest.raises(ValueError, match="no notebook saves a figure called 'nope'; the figures are: .*truth_scatter"):
        figure_index.notebook_of("nope")
    assert figure_index.main(["notebook-of", "figures/truth_scatter.png"]) == 0
    assert capsys.readouterr().out.strip() == "08_truth_validation.ipynb"
    assert figure_index.main(["notebook-of"]) == 2
