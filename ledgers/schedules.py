"""Periodic tasks of the ledgers app, installed by ``manage.py setup_schedules`` (editable in the admin)."""

SCHEDULES = [
    {"name": "清理未提交的导入文件（超过24小时）", "task": "ledgers.cleanup_imports",
     "crontab": {"minute": "15", "hour": "*/6", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
     "description": "上传后24小时内未提交或已放弃的导入文件从 MEDIA_ROOT/imports 删除（等保：临时文件及时清除）。"},
]
