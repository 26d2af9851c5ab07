"""The house rules of issue 13 that neither import-linter nor ruff states: file sizes, and a reason on every import
kept inside a function (docs/ARCHITECTURE.md)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOQA_IMPORT = re.compile(r"#\s*noqa:[^#\n]*PLC0415(?P<rest>.*)$")


def _tracked_python():
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in listed.stdout.split() if "/migrations/" not in name]


def test_no_file_is_over_900_lines_except_migrations():
    long = {path.relative_to(ROOT).as_posix(): n for path in _tracked_python()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 900}
    assert long == {}


def test_the_ledgers_workflows_keep_only_the_public_functions():
    assert len((ROOT / "ledgers" / "workflows.py").read_text(encoding="utf-8").splitlines()) <= 500


def test_every_import_kept_inside_a_function_says_why():
    bare = []
    for path in _tracked_python():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = NOQA_IMPORT.search(line)
            if match and len(match.group("rest").strip(" —-:()")) < 8:
                bare.append(f"{path.relative_to(ROOT)}:{number}")
    assert bare == []
