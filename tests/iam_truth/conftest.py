"""The plugin's IAM model compiled once per session, for the truth tests and the docs table test."""

from __future__ import annotations

import pytest

from tests.iam_truth.msk_iam_model import compile_model


@pytest.fixture(scope="session")
def model_classpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    return compile_model(tmp_path_factory.mktemp("msk-iam-model"))
