"""Periodic tasks of the talent app (installed by ``manage.py setup_schedules``, editable in the admin)."""

SCHEDULES = [
    {"name": "配额达标评估（每日）", "task": "talent.evaluate_quotas",
     "description": "按配额规则评估各村、镇、驻外党支部、党组织和县的达标情况，并通知未达标单位。",
     "crontab": {"minute": "30", "hour": "2", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}},
    {"name": "发展党员到期提醒（每日）", "task": "talent.send_development_reminders",
     "description": "谈话、考察、审批、预备期满等步骤到期前提醒乡镇流动党员服务站。",
     "crontab": {"minute": "0", "hour": "7", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}},
]
