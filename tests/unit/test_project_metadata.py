"""pyproject.toml: what the build and the test run need from it."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_string_and_the_build_backend_supports_it() -> None:
    project = _pyproject()
    assert project["project"]["license"] == "Apache-2.0"  # type: ignore[index]
    # the SPDX string form needs setuptools 77 or newer
    assert "setuptools>=77" in project["build-system"]["requires"]  # type: ignore[index]


def test_every_marker_the_tests_use_is_registered() -> None:
    markers = _pyproject()["tool"]["pytest"]["ini_options"]["markers"]  # type: ignore[index]
    names = {m.split(":")[0] for m in markers}
    assert {"slow", "shared", "browser", "postgres"} <= names


def test_the_readme_says_how_long_a_killed_workers_document_waits() -> None:
    import dataclasses

    from paperclerk.worker.runner import WorkerConfig

    lease = {f.name: f.default for f in dataclasses.fields(WorkerConfig)}["lease_seconds"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    operations = readme.split("## Operations", 1)[1].split("\n## ", 1)[0]
    assert f"{int(lease)}-second lease" in operations  # type: ignore[call-overload]


def test_the_readme_lists_the_hardening_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("WEBHOOK_ALLOW_HOSTS", "METRICS_TOKEN", "LOGIN_MAX_FAILURES", "LOGIN_LOCKOUT_S"):
        assert f"`PAPERCLERK_{name}`" in readme
