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
