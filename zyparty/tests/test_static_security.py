"""Static analysis (SECURITY.md; 等保三级 code review): bandit finds no medium- or high-severity issue in the
application code. A finding that was reviewed and is safe carries ``# nosec <id> - <reason>`` on its line."""

import json
import subprocess  # nosec B404 - runs bandit with an argument list
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["zyparty", "organizations", "ledgers", "services", "talent", "overview"]


def test_bandit_reports_nothing_of_medium_or_high_severity():
    done = subprocess.run(  # nosec B603 - fixed arguments
        [sys.executable, "-m", "bandit", "-r", *PACKAGES, "-x", "*/tests/*,*/migrations/*", "-ll", "-q", "-f",
         "json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert findings == []
    assert not report["errors"]
