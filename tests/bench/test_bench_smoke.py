"""The benchmark scripts still run (issue 14): nothing else runs them, and an import inside one broke
unnoticed once (bench_vs_handwritten's status half, after ``session_file`` moved).

Nothing here is timed: a benchmark's figures go in docs/benchmarks.md, never into a pass/fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

#: Imports every ``import``/``from … import`` of the files named on the command line, wherever it
#: stands (function-level imports are the ones that broke unnoticed), and checks each imported name.
_CHECK = """
import ast, importlib, sys
from pathlib import Path
bench = Path(sys.argv[1])
sys.path.insert(0, str(bench))
optional = {"mediapipe"}  # compare_segmentation's mode for a separate venv (see its docstring)
bad = []
for file in sys.argv[2:]:
    for node in ast.walk(ast.parse(Path(file).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            wanted = [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            wanted = [(node.module, a.name) for a in node.names]
        else:
            continue
        for module, name in wanted:
            if module.split(".")[0] in optional:
                continue
            try:
                mod = importlib.import_module(module)
                if name is not None and name != "*" and not hasattr(mod, name):
                    importlib.import_module(f"{module}.{name}")  # a submodule, not an attribute
            except Exception as exc:
                bad.append(f"{Path(file).name}:{node.lineno}: {module} {name or ''}: {exc!r}")
print("\\n".join(bad))
sys.exit(1 if bad else 0)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUTF8": "1"}


def test_every_import_of_every_bench_script_resolves() -> None:
    files = sorted(str(f) for f in BENCH.glob("*.py"))
    assert len(files) > 10  # the folder is where this test thinks it is
    done = subprocess.run(
        [sys.executable, "-c", _CHECK, str(BENCH), *files],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.browser
@pytest.mark.slow
def test_bench_vs_handwritten_runs_a_tiny_case_of_both_halves() -> None:
    """One round of one sample candidate (both sides must leave the same application) and two status
    reads (both sides must read the same states): the comparison logic, the hand-written script and
    the status set-up all run."""
    cmd = [sys.executable, str(BENCH / "bench_vs_handwritten.py"), "--rounds", "1", "--candidates", "1"]
    cmd += ["--status-candidates", "2"]
    done = subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", env=_env(), timeout=1200, check=False
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "registration, 1 sample candidates" in out, out[-4000:]
    assert "status, 2 candidates with saved sessions" in out, out[-4000:]
    assert out.count("ratio") >= 2, out[-4000:]
