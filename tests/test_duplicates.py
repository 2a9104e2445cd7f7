"""Exact duplicate records (DU01): the copy groups against a brute-force grouping. All data invented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbhygiene.checks import duplicates


def _groups(positions, keys) -> list[tuple[int, ...]]:
    return sorted(tuple(sorted(g)) for g in pd.Series(positions).groupby(keys).apply(list))


def _brute_force(frame: pd.DataFrame, trim: bool) -> list[tuple[int, ...]]:
    """Records equal in every column (NA equal to NA, never to a value), by grouping on text."""
    text = frame.apply(lambda c: (c.str.strip() if trim else c).fillna("\x00NA"))
    groups = text.groupby(list(text.columns), sort=False).indices.values()
    return sorted(tuple(int(i) for i in g) for g in groups if len(g) > 1)


def _frame(n: int, seed: int) -> pd.DataFrame:
    """Repeating columns (dates, offences) and near-unique ones (IDs), with padding, NA and copies."""
    rng = np.random.default_rng(seed)
    def col(values):
        return pd.Series(np.asarray(values, dtype=object), dtype="str")
    days = rng.integers(100, 400, n).astype(str)
    frame = pd.DataFrame({
        "fecha": col(np.char.add("0", days)),
        "delito": col(rng.choice(["ROBO", " ROBO", "ROBO ", "HURTO", "R OBO", ""], n)),
        "sexo": col(rng.choice(["M", "F"], n)),
        "dni": col(rng.integers(0, 10 * n, n).astype(str)),
        "nombre": col(rng.choice(["PEREZ, JUAN", "PEREZ,  JUAN", "GOMEZ, ANA"], n)),
    })
    frame.loc[rng.random(n) < 0.05, "delito"] = None
    frame.loc[rng.random(n) < 0.05, "dni"] = None
    copies = rng.integers(0, n, n // 10)
    return pd.concat([frame, frame.iloc[copies]], ignore_index=True)


@pytest.mark.parametrize("trim", [True, False])
@pytest.mark.parametrize("seed", [1, 2])
def test_copy_groups_equal_grouping_every_column(trim, seed):
    frame = _frame(2000, seed)
    positions, keys = duplicates.duplicate_record_keys(frame, trim=trim)
    assert _groups(positions, keys) == _brute_force(frame, trim)
    assert len(positions)


def test_the_repeating_columns_are_folded_first_and_the_rest_read_at_the_candidates(monkeypatch):
    """The near-unique column is read only at the records the repeating ones left."""
    frame = _frame(2000, 3)
    seen = []
    real = duplicates._column_codes

    def spy(values, positions, trim):
        seen.append((values.name, len(values) if positions is None else len(positions)))
        return real(values, positions, trim)

    monkeypatch.setattr(duplicates, "_column_codes", spy)
    positions, keys = duplicates.duplicate_record_keys(frame)
    assert _groups(positions, keys) == _brute_force(frame, True)
    assert dict(seen)["dni"] < len(frame)


def test_a_key_about_to_wrap_round_is_renumbered_first(monkeypatch):
    monkeypatch.setattr(duplicates, "KEY_LIMIT", 8)
    frame = _frame(500, 4)
    positions, keys = duplicates.duplicate_record_keys(frame)
    assert _groups(positions, keys) == _brute_force(frame, True)


def test_a_value_and_a_blank_never_fold_into_one_key():
    """Codes are folded with one more slot than the column has values (NA is a slot of its own):
    (x, p) and (y, blank) must not meet."""
    frame = pd.DataFrame({"a": ["x", "y", "x", "y", "x"], "b": ["p", None, "p", None, "p"],
                          "c": ["z", "z", "w", "w", "v"]}, dtype="str")
    positions, _ = duplicates.duplicate_record_keys(frame)
    assert positions.tolist() == []
