"""Notebook helpers of ``squbed_utils.notebook``: the interactive controls that redraw a figure."""

import IPython.display
import ipywidgets as widgets

from squbed_utils.notebook import controls


class _Handle:
    """What ``display(..., display_id=True)`` returns: a handle whose ``update`` replaces the shown object."""

    def __init__(self, shown):
        self.shown = shown

    def update(self, obj):
        self.shown.append(("update", obj))


def test_controls_show_the_widgets_and_redraw_with_the_new_values(monkeypatch):
    shown = []

    def display(*objs, display_id=None, **_):
        shown.append(("display", *objs))
        return _Handle(shown) if display_id else None

    monkeypatch.setattr(IPython.display, "display", display)
    drawn = []

    def draw(kappa, d):
        drawn.append((kappa, d))
        return f"figure for kappa = {kappa}, d = {d}"

    kappa = widgets.IntSlider(value=10, min=1, max=100, description="kappa")
    d = widgets.Dropdown(options=[3, 512], value=512, description="d")
    controls(draw, kappa=kappa, d=d)
    # the controls in one row, then the place the figure will go; nothing drawn until a control moves
    (_, row), (_, placeholder) = shown
    assert isinstance(row, widgets.HBox) and list(row.children) == [kappa, d]
    assert "moving a control redraws the figure" in placeholder.data and drawn == []
    kappa.value = 40
    d.value = 3
    assert drawn == [(40, 512), (40, 3)]
    assert shown[2:] == [("update", "figure for kappa = 40, d = 512"), ("update", "figure for kappa = 40, d = 3")]
