"""The ledger's public surface (``ledger/__init__.py``) and the business numbers defined there once."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ledger

INIT = Path(ledger.__file__)


def _type_checking_imports() -> dict[str, tuple[str, str]]:
    """name -> (module, attribute) of the imports under ``if TYPE_CHECKING:`` in ``ledger/__init__.py``."""
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    out: dict[str, tuple[str, str]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module is not None
        for alias in node.names:
            out[alias.asname or alias.name] = (node.module, alias.name)
    return out


def test_every_public_name_resolves_to_where_type_checkers_see_it() -> None:
    seen = _type_checking_imports()
    assert set(ledger.__all__) == set(seen) == set(ledger._EXPORTS)
    for name in ledger.__all__:
        module, attr = seen[name]
        assert ledger._EXPORTS[name] == (module, attr), name
        assert getattr(ledger, name) is getattr(importlib.import_module(module), attr), name
    with pytest.raises(AttributeError):
        ledger.LedgerEntryRow  # noqa: B018 - the table classes are not public


def test_projection_base_is_the_one_declarative_base() -> None:
    from ledger.store.tables import Base

    assert ledger.ProjectionBase is Base


def test_importing_the_pure_log_loads_no_storage() -> None:
    code = (
        "import sys, ledger, ledger.log.verify; assert 'sqlalchemy' not in sys.modules, 'sqlalchemy loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=INIT.parents[1])


# -- largest remainder: one rule for attribution, park flows and EPCIS ---------------------------


def _floor_then_remainders(total: int, weights: list[int]) -> list[int]:
    """The scalar rule park flows and the EPCIS import each kept before: ties to the earlier weight."""
    weight_sum = sum(weights)
    exact = [total * w for w in weights]
    parts = [e // weight_sum for e in exact]
    for i in sorted(range(len(weights)), key=lambda i: (-(exact[i] % weight_sum), i))[: total - sum(parts)]:
        parts[i] += 1
    return parts


@given(
    st.integers(0, 10**12),
    st.lists(st.integers(0, 10**9), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_split_is_the_scalar_rule(total: int, weights: list[int]) -> None:
    assert ledger.largest_remainder_split(total, weights) == _floor_then_remainders(total, weights)


def test_split_breaks_ties_by_position_and_park_flows_by_key() -> None:
    from park.flows import largest_remainder as by_key

    assert ledger.largest_remainder_split(10, [1, 1, 1]) == [4, 3, 3]
    assert by_key(10, [("c", 1), ("a", 1), ("b", 1)]) == {"a": 4, "b": 3, "c": 3}
    assert ledger.largest_remainder_split(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError):
        ledger.largest_remainder_split(1, [0, 0])


# -- the three shares ----------------------------------------------------------------------------


def test_shares_of_nothing_are_undefined() -> None:
    assert ledger.green_shares(total=0, direct=0, gec_backed=0) == ledger.GreenShares(None, None, None)
    shares = ledger.green_shares(total=20, direct=8, gec_backed=11, hourly_matched=12)
    assert shares == ledger.GreenShares(physical=0.4, hourly_matched=0.6, claimable=0.55)
    column = ledger.physical_share(pd.Series([8, 0]), pd.Series([20, 0]))
    assert column.iloc[0] == 0.4 and np.isnan(column.iloc[1])


def test_hourly_matched_never_banks_surplus() -> None:
    consumption = np.array([10, 10, 10], dtype=np.int64)
    direct = np.array([30, 0, 5], dtype=np.int64)  # the first hour's surplus does not cover the second
    contracted = np.array([0, 2, 2], dtype=np.int64)
    matched = int(ledger.hourly_matched_wh(consumption, direct, contracted))
    assert matched == 10 + 2 + 7
    assert ledger.hourly_matched_share(matched, int(consumption.sum())) == pytest.approx(19 / 30)
