"""Periodic tasks of the services app, installed by ``manage.py setup_schedules`` as django-celery-beat
PeriodicTasks (created if missing, so times edited in the admin persist). Every job is idempotent per period, so the
daily ones only notify once per half-year, festival or month; their functions decide whether anything is due."""


def _cron(minute, hour, day_of_month="*", month_of_year="*"):
    return {"minute": minute, "hour": hour, "day_of_week": "*", "day_of_month": day_of_month,
            "month_of_year": month_of_year}


SCHEDULES = [
    {"name": "双向联系半年提醒（每半年至少交流一次）", "task": "services.semiannual_liaison", "crontab": _cron("10", "7"),
     "description": "紫办字〔2020〕45号第6条：每半年最后一个月提醒未交流的乡镇与流入地党组织，半年结束后通报逾期。"},
    {"name": "联席会议次数提醒（每年至少两次）", "task": "services.joint_meetings", "crontab": _cron("20", "7", "1"),
     "description": "紫办字〔2020〕45号第3条：10月起每月1日提醒本年联席会议不足两次的县。"},
    {"name": "驻外党组织书记年度培训提醒", "task": "services.outpost_secretary_training",
     "crontab": _cron("30", "7", "1"),
     "description": "紫办字〔2020〕45号第8条：9月起每月1日提醒本年尚未培训的驻外党组织书记。"},
    {"name": "中秋、春节台账更新提醒", "task": "services.festival_ledger_refresh", "crontab": _cron("40", "7"),
     "description": "紫办字〔2020〕45号第5、11条：节前（按农历推算）向村联络点和镇服务站发送待更新的农民工名单。"},
    {"name": "流动党员六个月规则提醒", "task": "services.mobile_members", "crontab": _cron("50", "7", "1"),
     "description": "外出满六个月应转接组织关系、六个月未参加组织生活或未交党费、失联满六个月：每月1日提醒。"},
]
