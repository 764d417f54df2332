"""The scoring parameters in `models/scoring/parameters.toml`, read once and checked.

One documented file holds every number that decides who counts as promotional,
what counts as a duplicate and how support is scored, so that a reviewer can
see and change them without reading code.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.settings import MODELS_DIR

PARAMETERS_FILE = Path(MODELS_DIR) / "scoring" / "parameters.toml"


class BadParameters(ValueError):
    """The parameters file is missing, unreadable or holds a value out of range."""


@cache
def parameters(path: Path = PARAMETERS_FILE) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadParameters(f"{path}: cannot read scoring parameters ({exc})") from exc
    for section in ("promotion", "duplicates", "support"):
        if not isinstance(data.get(section), dict):
            raise BadParameters(f"{path}: missing section [{section}]")
    _check_fractions(path, "promotion.weights", data["promotion"].get("weights", {}))
    _check_fractions(path, "support", {k: v for k, v in data["support"].items() if k.endswith(("error", "weight"))})
    _check_fractions(path, "duplicates", {"threshold": data["duplicates"].get("threshold")})
    _check_fractions(path, "promotion", {"threshold": data["promotion"].get("threshold")})
    return data


def _check_fractions(path: Path, section: str, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise BadParameters(f"{path}: [{section}] {key} must be a number in [0, 1], got {value!r}")
