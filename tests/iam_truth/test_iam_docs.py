"""docs/iam.md's feature table against the plugin's code: what it calls emulated is what the model
evaluates (IamDecisions --features, read from the constants the evaluation uses), and nothing it calls
not emulated is. Add an operator or a key to the plugin without the table, or the reverse, and this fails."""

from __future__ import annotations

import re

import pytest

from tests.iam_truth.identities import REPO
from tests.iam_truth.msk_iam_model import features

DOC = REPO / "docs" / "iam.md"
# Table kind -> the features entry it must equal, and how names compare.
CHECKED = {
    "condition operator": ("conditionOperators", str),
    "operator modifier": ("conditionOperatorModifiers", str),
    "condition key": ("conditionKeys", str.lower),
    "condition key prefix": ("conditionKeyPrefixes", str.lower),
    "principal": ("principalKinds", str),
    "policy type": ("policyTypes", str),
}


def table_rows() -> list[tuple[str, str, str, str]]:
    text = DOC.read_text()
    block = re.search(r"<!-- iam-features:start -->(.*?)<!-- iam-features:end -->", text, re.S)
    assert block, "docs/iam.md has no iam-features table"
    rows = []
    for line in block.group(1).strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 4, f"malformed row: {line}"
        rows.append((cells[0], cells[1].strip("`"), cells[2], cells[3]))
    return rows


def documented(kind: str, status: str) -> set[str]:
    """Rows of one kind; condition keys ending in /* are the prefixes the plugin lists."""
    out = set()
    for row_kind, feature, row_status, _ in table_rows():
        if row_status != status:
            continue
        if kind == "condition key prefix" and row_kind == "condition key" and feature.endswith("/*"):
            out.add(feature[:-1].lower())
        elif row_kind == kind and not (kind == "condition key" and feature.endswith("/*")):
            out.add(CHECKED[kind][1](feature))
    return out


@pytest.fixture(scope="module")
def model_features(model_classpath: str) -> dict[str, list[str]]:
    return features(model_classpath)


@pytest.mark.parametrize("kind", sorted(CHECKED))
def test_emulated_rows_are_what_the_plugin_evaluates(kind: str, model_features: dict[str, list[str]]) -> None:
    entry, normalize = CHECKED[kind]
    evaluated = {normalize(name) for name in model_features[entry]}
    assert documented(kind, "emulated") == evaluated


@pytest.mark.parametrize("kind", sorted(CHECKED))
def test_no_row_marked_not_emulated_is_evaluated(kind: str, model_features: dict[str, list[str]]) -> None:
    entry, normalize = CHECKED[kind]
    evaluated = {normalize(name) for name in model_features[entry]}
    assert not documented(kind, "not emulated") & evaluated


def test_every_row_is_emulated_or_says_what_happens_instead() -> None:
    for kind, feature, status, instead in table_rows():
        assert status in ("emulated", "not emulated", "stricter"), (kind, feature, status)
        if status != "emulated":
            assert instead, f"{kind} {feature}: say what the local MSK does instead"
