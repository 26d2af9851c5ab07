"""Periodic tasks of the zyparty plumbing (installed by ``manage.py setup_schedules``, editable in the admin)."""

SCHEDULES = [
    {"name": "转发待发任务（消息队列恢复后补发）", "task": "zyparty.relay_outbox",
     "crontab": {"minute": "*/5", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}},
    {"name": "清理超过保留期的审计日志（至少保留180天）", "task": "zyparty.purge_audit",
     "crontab": {"minute": "30", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}},
    {"name": "刷新首页统计数据", "task": "zyparty.refresh_dashboards",
     "crontab": {"minute": "*/10", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}},
]
