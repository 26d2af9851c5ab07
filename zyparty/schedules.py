"""Periodic tasks of the zyparty plumbing (installed by ``manage.py setup_schedules``, editable in the admin)."""

SCHEDULES = [
    {"name": "转发待发任务（消息队列恢复后补发）", "task": "zyparty.relay_outbox",
     "crontab": {"minute": "*/5", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}},
    {"name": "清理超过保留期的审计日志（至少保留180天）", "task": "zyparty.purge_audit",
     "crontab": {"minute": "30", "hour": "3", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}},
    {"name": "数据库备份（每日）", "task": "zyparty.backup_database",
     "crontab": {"minute": "0", "hour": "2", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
     "description": "pg_dump 到 ZYPARTY_BACKUP_DIR，保留最近 ZYPARTY_BACKUP_KEEP 份；数据密钥须另行保管。"},
    {"name": "备份恢复校验（每日）", "task": "zyparty.verify_backup",
     "crontab": {"minute": "0", "hour": "4", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
     "description": "将最新备份还原到临时库，用当前数据密钥解密抽样身份证号并核对摘要，结果记入审计日志。"},
]
