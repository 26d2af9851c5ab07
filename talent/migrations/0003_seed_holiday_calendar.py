"""Seed the public holidays and make-up working days from the ``chinesecalendar`` package (2004 onwards, as far as
the installed version knows). Later years are added in the admin or by ``manage.py load_holidays``."""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    from chinese_calendar import constants

    PublicHoliday = apps.get_model("talent", "PublicHoliday")
    WorkdayAdjustment = apps.get_model("talent", "WorkdayAdjustment")

    def name(value):
        text = getattr(value, "value", value)
        return NAMES.get(text, text)

    have_h = set(PublicHoliday.objects.values_list("date", flat=True))
    have_w = set(WorkdayAdjustment.objects.values_list("date", flat=True))
    PublicHoliday.objects.bulk_create(
        [PublicHoliday(date=day, name=name(v), note="chinesecalendar")
         for day, v in sorted(constants.holidays.items()) if day not in have_h and day not in have_w],
        batch_size=500)
    WorkdayAdjustment.objects.bulk_create(
        [WorkdayAdjustment(date=day, name=f"{name(v)}调休上班", note="chinesecalendar")
         for day, v in sorted(constants.workdays.items()) if day not in have_w and day not in have_h],
        batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("talent", "0002_seed_time_limits_and_quota_rules")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
