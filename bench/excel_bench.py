"""Bench of the Excel import and export (issue 4), on PostgreSQL. Not a unit test: run it on purpose.

    pg_ctlcluster 15 main start
    su postgres -c "psql -c \\"CREATE ROLE zy LOGIN SUPERUSER PASSWORD 'zy'\\""   # once
    su postgres -c "createdb -O zy zybench"                                       # once
    DATABASE_URL=postgres://zy:zy@127.0.0.1:5432/zybench .venv/bin/python bench/excel_bench.py [--rows 100000]

It migrates the bench database, loads the demo county without people (``load_demo --workers 0``) if it is empty,
writes a 100,000-row worker ledger .xlsx (county level: 所属乡镇 + 户籍村 names, valid unique ID numbers, phones,
destinations as addresses, dates typed as date cells and as ``2015.1.5`` text, family notes), has LibreOffice re-save
it when ``/usr/bin/soffice`` exists (the shared-strings layout Excel and WPS write), then measures, each step in its
own process so that peak memory (ru_maxrss) belongs to that step alone:

- raw baseline: calamine parse of the file alone; COPY of the same rows, already prepared, alone;
- import end to end into an empty worker table: store (type/zip checks, SHA-256) + check + write, i.e.
  ``manage.py import_ledger``; and, separately, the preview (check only) and a re-import of the same file (all rows
  unchanged);
- export of the 100,000 rows (masked), and unmasked.

Targets (issues 4 and 14 item 7): import ≥ 17,000 rows/s end to end and ≤ 1.25 × the raw baseline; re-import of the
unchanged file ≥ 15,000 rows/s (the stored row digests, no decryption); preview, import and re-import each ≤ 700 MB,
the main process's peak plus the largest forked worker's (both printed); export ≤ 15 s per 100,000 rows and ≤ 200 MB.
``--rows 200000`` writes and measures a 200,000-row file the same way. The closing lines say which targets are met.
"""

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zyparty.settings")
WORK = Path(os.environ.get("ZYPARTY_BENCH_DIR", tempfile.gettempdir())) / "zyparty-excel-bench"


def setup_django():
    import django

    django.setup()


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Steps (each runs in a child process) ---------------------------------------------------------------------------------
def step_prepare(rows):
    """Migrate, load the demo county without people, empty the worker table, write the ledger file."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from organizations.models import Unit

    if not Unit.objects.filter(code="610924").exists():
        from overview.demo import load_demo

        load_demo(workers=0, members=0, activists=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE ledgers_worker CASCADE")
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"workers-{rows}.xlsx"
    if not path.exists():
        write_ledger(path, rows)
    saved = WORK / "libreoffice" / path.name
    if Path("/usr/bin/soffice").exists() and not saved.exists():
        # Re-saved by an office suite, the file has the layout Excel and WPS write (shared strings table), not the
        # inline strings of our own writer.
        subprocess.run(["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                        str(saved.parent), str(path)], check=True, capture_output=True, timeout=1800)
    if saved.exists():
        path = saved
    return {"file": str(path), "size_mb": round(path.stat().st_size / 1024 / 1024, 1)}


def write_ledger(path, count):
    from faker.providers.person.zh_CN import Provider as Names
    from stdnum.cn import ric

    from ledgers.demo import DESTINATIONS, EMPLOYER_TAILS, FAMILY_NOTES, SKILLS
    from ledgers.schemas import WorkerSchema
    from organizations.models import Unit
    from zyparty import excel

    rng = random.Random(2020)
    villages = list(Unit.objects.filter(county__code="610924", level="village").select_related("town"))
    surnames, weights = list(Names.last_names), list(Names.last_names.values())
    given = list(Names.first_names_male) + list(Names.first_names_female)
    industries = ["制造业", "建筑业", "批发和零售业", "住宿和餐饮业", "居民服务、修理和其他服务业", "交通运输、仓储和邮政业", ""]
    statuses = ["群众"] * 14 + ["共青团员"] * 3 + ["中共党员", ""]
    used = set()
    headers = [c.header for c in WorkerSchema.columns if c.header != "记录编号"]
    with excel.XlsxStreamWriter(path) as book:
        sheet = book.add_sheet("农民工台账")
        sheet.write_row(["紫阳县农民工台账（基准测试）"])
        sheet.write_row(headers)
        for _ in range(count):
            born = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 38))
            while True:
                body = f"610924{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
                number = body + ric.calc_check_digit(body + "0")
                if number not in used:
                    used.add(number)
                    break
            village = rng.choice(villages)
            name = rng.choices(surnames, weights)[0] + rng.choice(given)[:2]
            phone = rng.choice(["13", "15", "17", "18", "19"]) + "".join(str(rng.randrange(10)) for _ in range(9))
            destination = rng.choice(DESTINATIONS)[0]
            sheet.write_row([
                name, number if rng.random() > 0.1 else number.lower(), phone, village.name, "外出", destination,
                destination[3:5] + rng.choice(EMPLOYER_TAILS), "", rng.choice(industries), rng.choice(SKILLS),
                rng.randrange(2500, 12000, 100), rng.choice(statuses), rng.choice(FAMILY_NOTES),
                rng.choice(["有返乡意向", "无返乡意向", "已返乡", ""]), rng.choice(["有", "无", "无", ""]),
                rng.choice(["有", "无", "无", "无", ""]),
                (datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(0, 3000))).strftime("%Y.%-m.%-d")
                if rng.random() < 0.3 else datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(0, 3000)),
                "", village.town.name])


def step_parse(path):
    """calamine alone: open, every row as Python values."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    book = CalamineWorkbook.from_path(path)
    count = 0
    for row in book.get_sheet_by_index(0).iter_rows():
        count += 1
    return {"seconds": time.perf_counter() - started, "rows": count, "peak_mb": peak_mb()}


def step_copy(path):
    """COPY alone: the same rows as COPY text (prepared and rendered beforehand, not timed), written into the empty
    worker table and committed (then truncated again)."""
    from django.conf import settings
    from django.db import connection, transaction

    from ledgers import workflows
    from ledgers.importing.engine import ImportRun
    from ledgers.importing.files import remove_file
    from ledgers.models import Worker
    from organizations.models import Unit
    from zyparty.bulk import copy_block

    settings.IMPORT_PARALLEL_MIN_ROWS = 10**9  # prepared here, in one process
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE ledgers_worker CASCADE")  # a previous round's commit left its rows
    county = Unit.objects.get(code="610924")
    batch = workflows.ledger_import_store(user=None, kind="workers", file=path, unit=county)
    run = ImportRun(batch, None, commit=True, prepare_only=True)
    run._run_ledger(workflows.batch_path(batch))
    writer = run.writer
    writer.pack()  # COPY's input, made beforehand: the rows' lines as the import makes them
    blocks = writer.blocks
    started = time.perf_counter()
    with transaction.atomic():  # committed, so the deferred checks run as they do in an import
        for block in blocks:
            copy_block(Worker, writer.insert_columns, block)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledgers_worker")
        written = cursor.fetchone()[0]
        cursor.execute("TRUNCATE ledgers_worker CASCADE")
    remove_file(batch)
    return {"seconds": seconds, "rows": written, "peak_mb": peak_mb()}


def step_import(path, mode):
    """``commit``: store + check + write (empty table); ``preview``: store + check; ``reimport``: the same file
    again after a commit (every row unchanged)."""
    from ledgers import workflows
    from organizations.models import Unit
    from zyparty import context

    county = Unit.objects.get(code="610924")
    with context.acting(channel="command"):
        started = time.perf_counter()
        batch = workflows.ledger_import_store(user=None, kind="workers", file=path, unit=county)
        stored = time.perf_counter() - started
        if mode == "preview":
            result = workflows.ledger_import_check(batch=batch, user=None)
        else:
            result = workflows.ledger_import_commit(user=None, batch=batch)
        seconds = time.perf_counter() - started
    if result.error_count:
        print(json.dumps(result.errors[:5], ensure_ascii=False), file=sys.stderr)
    return {"seconds": seconds, "store_seconds": stored, "rows": result.rows, "new": result.new,
            "changed": result.changed, "unchanged": result.unchanged, "errors": result.error_count,
            "committed": result.committed, "peak_mb": peak_mb(), "timings": result.timings,
            "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def step_export(unmask):
    from ledgers import workflows
    from ledgers.models import Worker

    target = WORK / ("export-clear.xlsx" if unmask else "export.xlsx")
    started = time.perf_counter()
    with open(target, "wb") as handle:
        rows = workflows.ledger_export(user=None, kind="workers", queryset=Worker.objects.order_by("pk"),
                                       target=handle, unmask=unmask, reason="基准测试" if unmask else "")
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mb": peak_mb(),
            "size_mb": round(target.stat().st_size / 1024 / 1024, 1)}


def child(args):
    setup_django()
    if args.step == "prepare":
        out = step_prepare(args.rows)
    elif args.step == "parse":
        out = step_parse(args.file)
    elif args.step == "copy":
        out = step_copy(args.file)
    elif args.step in ("commit", "preview", "reimport"):
        out = step_import(args.file, args.step)
    elif args.step == "truncate":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE ledgers_worker CASCADE")
        out = {}
    else:
        out = step_export(args.step == "export-clear")
    print("RESULT " + json.dumps(out))


def run_step(step, **extra):
    command = [sys.executable, __file__, "--step", step]
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    line = next((out for out in done.stdout.splitlines() if out.startswith("RESULT ")), None)
    if done.returncode or line is None:
        sys.exit(f"step {step} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    result = json.loads(line[len("RESULT "):])
    print(f"  {step}: {json.dumps(result, ensure_ascii=False)}", file=sys.stderr, flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, help="repeat the import/baseline measurements, keep the best")
    args = parser.parse_args()
    if args.step:
        return child(args)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://… (the targets are for PostgreSQL; see the module docstring).")
    prepared = run_step("prepare", rows=args.rows)
    path = prepared["file"]
    n = args.rows
    best = {}
    for _ in range(args.repeat):
        for step in ("parse", "copy", "preview"):
            result = run_step(step, file=path)
            if step not in best or result["seconds"] < best[step]["seconds"]:
                best[step] = result
        run_step("truncate")
        result = run_step("commit", file=path)
        if "commit" not in best or result["seconds"] < best["commit"]["seconds"]:
            best["commit"] = result
    best["reimport"] = run_step("reimport", file=path)
    best["export"] = run_step("export")
    best["export-clear"] = run_step("export-clear")
    report(n, prepared, path, best)


def report(n, prepared, path, best):
    """The table, with each step's main-process and worker peaks, and the targets of issues 4 and 14 beside them."""
    raw = best["parse"]["seconds"] + best["copy"]["seconds"]
    imp, again, preview = best["commit"], best["reimport"], best["preview"]
    print(f"\nExcel bench, {n:,} worker rows, file {prepared['size_mb']} MB ({path}), PostgreSQL")
    print(f"{'step':<46}{'seconds':>9}{'rows/s':>10}{'main MB':>9}{'workers MB':>12}{'sum MB':>8}")

    def total_mb(result):
        return result["peak_mb"] + result.get("children_peak_mb", 0)

    def line(label, result, rows=n, target=""):
        workers = result.get("children_peak_mb")
        print(f"{label:<46}{result['seconds']:>9.2f}{rows / result['seconds']:>10,.0f}{result['peak_mb']:>9.0f}"
              + (f"{workers:>12.0f}{total_mb(result):>8.0f}" if workers is not None else " " * 20)
              + (f"   {target}" if target else ""))

    line("raw: calamine parse alone", best["parse"])
    line("raw: COPY alone (prepared rows)", best["copy"])
    print(f"{'raw baseline (parse + COPY)':<46}{raw:>9.2f}{n / raw:>10,.0f}")
    line("preview (store + check, no write)", preview, target="≤ 700 MB (sum)")
    line("import end to end (store + check + COPY)", imp, target="≥ 17,000 rows/s, ≤ 1.25 × raw, ≤ 700 MB")
    print(f"{'  phases':<46}" + ", ".join(f"{k} {v:.1f}s" for k, v in imp["timings"].items()))
    line("re-import of the same file (all unchanged)", again, target="≥ 15,000 rows/s, ≤ 700 MB")
    print(f"{'  phases':<46}" + ", ".join(f"{k} {v:.1f}s" for k, v in again["timings"].items()))
    line(f"export {n:,} rows, masked", best["export"], target="≤ 15 s (100k), ≤ 200 MB")
    line(f"export {n:,} rows, unmasked", best["export-clear"])
    ratio = imp["seconds"] / raw
    print(f"\nimport: {n / imp['seconds']:,.0f} rows/s (target ≥ 17,000), {ratio:.2f} × raw baseline (target ≤ 1.25), "
          f"peak {imp['peak_mb']:.0f} + {imp['children_peak_mb']:.0f} MB; new {imp['new']:,}, errors {imp['errors']}")
    print(f"re-import: {n / again['seconds']:,.0f} rows/s (target ≥ 15,000); new {again['new']}, changed "
          f"{again['changed']}, unchanged {again['unchanged']:,}, errors {again['errors']}")
    print(f"export: {best['export']['seconds']:.1f} s (target ≤ 15 for 100,000 rows), peak "
          f"{best['export']['peak_mb']:.0f} MB (target ≤ 200), file {best['export']['size_mb']} MB")
    export_seconds = 15 * n / 100_000
    targets = {
        "import ≥ 17,000 rows/s": n / imp["seconds"] >= 17_000,
        "import ≤ 1.25 × raw": ratio <= 1.25,
        "re-import ≥ 15,000 rows/s": n / again["seconds"] >= 15_000 and again["unchanged"] == n,
        "preview ≤ 700 MB": total_mb(preview) <= 700,
        "import ≤ 700 MB": total_mb(imp) <= 700,
        "re-import ≤ 700 MB": total_mb(again) <= 700,
        "export time": best["export"]["seconds"] <= export_seconds,
        "export ≤ 200 MB": best["export"]["peak_mb"] <= 200,
        "no errors": imp["errors"] == 0 and again["errors"] == 0,
    }
    met = [name for name, ok in targets.items() if ok]
    missed = [name for name, ok in targets.items() if not ok]
    print(("targets met: " + ", ".join(met)) if met else "no target met")
    print(("TARGETS NOT MET: " + ", ".join(missed)) if missed else "all targets met")


if __name__ == "__main__":
    main()
