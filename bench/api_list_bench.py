"""API list latency on the demo county: median ms for a 50-row page of /api/v1/workers/ (several filters).

    .venv/bin/python bench/api_list_bench.py              # SQLite in var/ (loads the demo county if empty)
    DATABASE_URL=postgres://zy:zy@127.0.0.1:5432/zybench .venv/bin/python bench/api_list_bench.py

Runs each request through Django's test client (the whole stack: middleware, auth, scoping, filters, serializer),
after a warm-up, and prints the median, p90 and the number of SQL queries per request.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zyparty.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from organizations.models import Unit, User  # noqa: E402

RUNS = int(os.environ.get("RUNS", "30"))


def main():
    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        call_command("load_demo")
    client = Client(SERVER_NAME="localhost")
    cases = [
        ("county staff, whole county", "xianzzb", {"page_size": 50}),
        ("county staff, one town (unit=)", "xianzzb", {"page_size": 50, "unit": "610924105"}),
        ("county staff, town + direction + page 20", "xianzzb",
         {"page_size": 50, "unit": "610924105", "direction": "out", "page": 20}),
        ("county staff, search by pinyin initials", "xianzzb", {"page_size": 50, "search": "wj"}),
        ("town clerk, own town", "chengguan", {"page_size": 50}),
    ]
    print(f"{connection.vendor}, {RUNS} runs each, 50-row pages of /api/v1/workers/")
    for label, username, params in cases:
        client.force_login(User.objects.get(username=username))
        for _ in range(3):
            client.get("/api/v1/workers/", params)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get("/api/v1/workers/", params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:200]
        with CaptureQueriesContext(connection) as ctx:
            client.get("/api/v1/workers/", params)
        times.sort()
        print(f"  {label:45s} median {statistics.median(times):6.1f} ms  p90 {times[int(len(times) * 0.9)]:6.1f} ms"
              f"  queries {len(ctx.captured_queries)}  rows {response.json()['count']}")


if __name__ == "__main__":
    main()
