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


def _as_text(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["claim_id"]).set_index("claim_id", drop=False)
    return frame.fillna("").astype(str).set_index("claim_id", drop=False)


def compared_fields(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """Columns whose change is a change of the claim, in table order."""
    columns = list(after.columns) + [c for c in before.columns if c not in after.columns]
    skip = set(CLAIM_KEY_COLUMNS) | set(CLAIM_LABEL_COLUMNS)
    return [c for c in columns if c not in skip]


def claim_changes(before: pd.DataFrame | None, after: pd.DataFrame) -> pd.DataFrame:
    """changes.csv rows taking the claims table `before` to `after` (`before` None: everything is added)."""
    old, new = _as_text(before), _as_text(after)
    fields = compared_fields(old, new)
    rows = []

    def emit(change: str, label: pd.Series, values: list[tuple[str, str, str]]) -> None:
        for field, was, now in values:
            rows.append({
                "change": change, "claim_id": label["claim_id"], "cause_name": label.get("cause_name", ""),
                "direction": label.get("direction", ""), "effect_name": label.get("effect_name", ""),
                "field": field, "before": was, "after": now,
            })

    for claim_id in new.index.difference(old.index):
        row = new.loc[claim_id]
        emit("added", row, [(f, "", row.get(f, "")) for f in fields])
    for claim_id in old.index.difference(new.index):
        row = old.loc[claim_id]
        emit("removed", row, [(f, row.get(f, ""), "") for f in fields])
    for claim_id in new.index.intersection(old.index):
        was, now = old.loc[claim_id], new.loc[claim_id]
        emit("changed", now, [(f, was.get(f, ""), now.get(f, "")) for f in fields if was.get(f, "") != now.get(f, "")])

    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    if frame.empty:
        return frame
    frame["_order"] = frame["change"].map(_ORDER)
    frame["_field"] = frame["field"].map({f: i for i, f in enumerate(fields)})
    frame = frame.sort_values(["_order", "cause_name", "effect_name", "direction", "claim_id", "_field"], kind="stable")
    return frame.drop(columns=["_order", "_field"]).reset_index(drop=True)


def summary(changes: pd.DataFrame) -> dict[str, int]:
    """Claims added, removed and changed (not rows: a claim spans one row per field)."""
    counts = changes.drop_duplicates(["change", "claim_id"])["change"].value_counts()
    return {f"n_{change}": int(counts.get(change, 0)) for change in _ORDER}
