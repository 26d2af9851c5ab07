"""Periodic tasks of the overview app (installed by ``manage.py setup_schedules``, editable in the admin)."""

SCHEDULES = [
    # The task keeps its historical name (scheduled rows in the database point to it).
    {"name": "刷新首页统计数据", "task": "zyparty.refresh_dashboards",
     "crontab": {"minute": "*/10", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}},
]
