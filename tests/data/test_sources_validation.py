"""The build's input checks share the declared-config helpers: enumerated values say what
was found, and an element id declared twice is one problem naming it."""

from __future__ import annotations

import dataclasses

import pytest

from geo.errors import ConfigError
from geo.plan.sources import load_inputs, validate_inputs


def test_bad_values_and_a_duplicate_id_are_reported_together() -> None:
    inputs = load_inputs()
    elements = [dict(e) for e in inputs.elements]
    elements[1]["id"] = elements[0]["id"]
    elements[2]["tier"] = "7"
    elements[3]["land_figure_check"] = "guessed"
    streets = [dict(s) for s in inputs.streets]
    streets[0]["kind"] = "ring"
    with pytest.raises(ConfigError) as err:
        validate_inputs(dataclasses.replace(inputs, elements=elements, streets=streets))
    message = str(err.value)
    assert f"plan_elements.toml: element id {elements[0]['id']!r} declared twice" in message
    assert "tier must be one of 1, 3, N, core, development, linkage (found '7')" in message
    assert "land_figure_check must be one of independent, partly_fitted" in message
    assert "(found 'guessed')" in message
    assert "kind must be one of cross, parallel, grid_line (found 'ring')" in message
