from __future__ import annotations

import pytest

from mskctl.errors import PrerequisiteError
from mskctl.local import install


def test_missing_java_is_a_clear_error_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrerequisiteError) as error:
        install.find_java()
    assert "No Java runtime found" in error.value.message
    assert "openjdk-17" in (error.value.hint or "")


def test_old_java_is_refused_with_its_version(monkeypatch, tmp_path):
    fake = tmp_path / "bin" / "java"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(PrerequisiteError, match="Java 11"):
        install.find_java()


def test_missing_maven_is_a_clear_error_when_kafka_is_not_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("MSKCTL_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrerequisiteError) as error:
        install.ensure_kafka("4.1.1")
    assert "Maven (mvn) is not on PATH" in error.value.message


def test_plugin_jar_location_follows_the_sources_and_kafka_version(monkeypatch, tmp_path):
    monkeypatch.setenv("MSKCTL_CACHE", str(tmp_path))
    jar = install.broker_plugins_jar("4.1.1")
    assert jar.name == "mskctl-broker-plugins.jar"
    assert jar.parent.name.startswith("4.1.1-")
    assert install.broker_plugins_jar("4.1.1") == jar
