"""The ledger import engine behind ledgers.workflows' entry points (issue 4; CONTRACT.md "Excel ledgers"):
access (who may import what where), files (the stored uploads), engine (the run: read, check, count, write), checking
(the row checks), writing (rows into the database), units (the units import). The workflows are the public API; the
modules here are imported by them, by the tests and by bench/excel_bench.py.
"""
