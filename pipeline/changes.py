"""What changed in the claims table between two runs.

A refreshed table is only half the answer; researchers also ask what moved
since last time. Claims are matched by `claim_id` (a hash of cause, direction
and effect concepts, stable across runs); every other column except the
labels (names, example sentence) is compared, so columns added to claims.csv
later (support scores, sources, flags) are reported without changes here.
"""

from __future__ import annotations

import pandas as pd

from pipeline.tables import CHANGE_COLUMNS, CLAIM_KEY_COLUMNS, CLAIM_LABEL_COLUMNS

_ORDER = {"added": 0, "removed": 1, "changed": 2}


def _rows(frame: pd.DataFrame | None) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Claims by id, every value as text; and the columns in order."""
    if frame is None or frame.empty:
        return {}, [] if frame is None else list(frame.columns)
    text = frame.fillna("").astype(str)
    return {row["claim_id"]: row for row in text.to_dict(orient="records")}, list(frame.columns)


def compared_fields(before: list[str], after: list[str]) -> list[str]:
    """Columns whose change is a change of the claim, in table order."""
    skip = set(CLAIM_KEY_COLUMNS) | set(CLAIM_LABEL_COLUMNS)
    return [c for c in after + [c for c in before if c not in after] if c not in skip]


def claim_changes(before: pd.DataFrame | None, after: pd.DataFrame) -> pd.DataFrame:
    """changes.csv rows taking the claims table `before` to `after` (`before` None: everything is added)."""
    (old, old_columns), (new, new_columns) = _rows(before), _rows(after)
    fields = compared_fields(old_columns, new_columns)
    rows = []

    def emit(change: str, label: dict[str, str], values: list[tuple[str, str, str]]) -> None:
        for field, was, now in values:
            rows.append((_ORDER[change], label.get("cause_name", ""), label.get("effect_name", ""),
                         label.get("direction", ""), label["claim_id"], fields.index(field),
                         change, field, was, now))

    for claim_id in new.keys() - old.keys():
        emit("added", new[claim_id], [(f, "", new[claim_id].get(f, "")) for f in fields])
    for claim_id in old.keys() - new.keys():
        emit("removed", old[claim_id], [(f, old[claim_id].get(f, ""), "") for f in fields])
    for claim_id in new.keys() & old.keys():
        was, now = old[claim_id], new[claim_id]
        emit("changed", now, [(f, was.get(f, ""), now.get(f, "")) for f in fields if was.get(f, "") != now.get(f, "")])
    rows.sort()
    return pd.DataFrame(
        [{"change": change, "claim_id": claim_id, "cause_name": cause, "direction": direction, "effect_name": effect,
          "field": field, "before": was, "after": now}
         for _, cause, effect, direction, claim_id, _, change, field, was, now in rows],
        columns=CHANGE_COLUMNS,
    )


def summary(changes: pd.DataFrame) -> dict[str, int]:
    """Claims added, removed and changed (not rows: a claim spans one row per field)."""
    counts = changes.drop_duplicates(["change", "claim_id"])["change"].value_counts()
    return {f"n_{change}": int(counts.get(change, 0)) for change in _ORDER}
