"""A non-editable install works from any directory: suites, schema and templates ship in the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")  # build outside the work tree: no build/ left in it
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("src", "expectations", "docs", "checks"):
        shutil.copytree(
            ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("synthgate-*.whl"))


def test_wheel_contains_suites_schema_and_report_template(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for suite in (ROOT / "expectations").glob("*.yml"):
        assert f"synthgate/suites/{suite.name}" in names
    for schema in (ROOT / "checks").glob("*.yml"):
        assert f"synthgate/checks/{schema.name}" in names
    assert "synthgate/schemas/result.schema.json" in names
    assert "synthgate/report/templates/report.html.j2" in names
    assert "synthgate/docs/expectations.md" in names  # the report embeds its sections
    assert "synthgate/docs/FINDINGS.md" in names


def test_installed_wheel_validates_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    data = ROOT / "examples" / "instructions_human.jsonl"
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import synthgate; "
        "assert synthgate.__file__.startswith(sys.argv[1]), synthgate.__file__; "
        "r = synthgate.validate(sys.argv[2], 'instructions'); print(r.success)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(target), str(data)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == "True"
