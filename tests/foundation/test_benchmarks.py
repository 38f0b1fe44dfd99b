"""The benchmark scripts run as ``python benchmarks/<name>.py``, which puts benchmarks/ first on
sys.path: a script named like a standard module (``warnings``, ``statistics``) would replace it
for every other script there, and they would fail on their first import."""

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_no_benchmark_script_is_named_like_a_standard_module():
    names = {path.stem for path in BENCHMARKS.glob("*.py")}
    assert "pages" in names  # the folder is the one meant
    assert not names & sys.stdlib_module_names
