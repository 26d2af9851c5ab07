"""The scheduled reminders: who gets what, once per period, only about their own scope."""

import datetime

import pytest
from django.test import override_settings

from ledgers.models import PartyMember, Worker
from organizations.models import JointMeeting
from organizations.roles import Role
from services import reminders, tasks
from services.choices import NoticeKind
from services.tests.factories import liaison, secretary_trained, training
from zyparty.models import Notice

pytestmark = pytest.mark.django_db
D = datetime.date


def inbox(user, kind=None):
    notices = Notice.objects.filter(recipient=user)
    if kind:
        notices = notices.filter(kind=kind)
    return list(notices.order_by("id"))


def texts(user, kind=None):
    return " ".join(f"{n.title} {n.body}" for n in inbox(user, kind))


# Semiannual liaison (seed 000 §6) --------------------------------------------------------------------------------

class TestSemiannualLiaison:
    def test_nothing_due_before_the_last_month(self, sw):
        liaison(sw.town_a, sw.host_a, held_on=D(2024, 10, 1))
        liaison(sw.town_b, sw.host_b, held_on=D(2024, 10, 1))
        assert reminders.semiannual_liaison(D(2025, 5, 31)) == 0

    def test_due_in_the_last_month_to_the_town_clerk_and_county(self, sw):
        liaison(sw.town_a, sw.host_a, held_on=D(2025, 2, 1))  # A has exchanged this half-year; B has not
        liaison(sw.town_a, sw.host_a, held_on=D(2024, 11, 1))
        liaison(sw.town_b, sw.host_b, held_on=D(2024, 11, 1))
        created = reminders.semiannual_liaison(D(2025, 6, 1))
        clerk_a, staff = sw.users[Role.TOWN_CLERK], sw.users[Role.COUNTY_STAFF]
        assert inbox(clerk_a) == []
        [due] = inbox(sw.clerk_b, NoticeKind.LIAISON_DUE)
        assert "蒿坪镇" in due.title and "深圳市宝安区流动党员党委" in due.title and "2025年上半年" in due.title
        assert due.link.startswith("/admin/services/liaisonrecord/add/?town=")
        assert "蒿坪镇—深圳市宝安区流动党员党委" in texts(staff, NoticeKind.LIAISON_DUE)
        assert "城关镇" not in texts(staff, NoticeKind.LIAISON_DUE)
        assert inbox(sw.users[Role.COUNTY_ADMIN], NoticeKind.LIAISON_DUE)
        assert created == 3  # clerk B, county staff, county admin

    def test_overdue_after_the_half_year_and_idempotent(self, sw):
        liaison(sw.town_a, sw.host_a, held_on=D(2025, 3, 1))
        assert reminders.semiannual_liaison(D(2025, 7, 2)) > 0
        [overdue] = inbox(sw.clerk_b, NoticeKind.LIAISON_OVERDUE)
        assert "逾期" in overdue.title and "2025年上半年" in overdue.title
        assert inbox(sw.users[Role.TOWN_CLERK]) == []
        before = Notice.objects.count()
        assert reminders.semiannual_liaison(D(2025, 7, 20)) == 0  # same half-year: nothing new
        assert tasks.semiannual_liaison.apply(kwargs={"on": "2025-07-02"}).get() == 0
        assert Notice.objects.count() == before

    def test_pairs_include_host_organizations_met_without_an_agreement(self, sw):
        # Town A also talked with host B last half-year, without an agreement: they owe each other one now.
        liaison(sw.town_a, sw.host_a, held_on=D(2025, 8, 1))
        liaison(sw.town_a, sw.host_b, held_on=D(2025, 3, 1))
        reminders.semiannual_liaison(D(2025, 12, 1))
        assert "深圳市宝安区流动党员党委" in texts(sw.users[Role.TOWN_CLERK], NoticeKind.LIAISON_DUE)
        assert "杭州市西湖区" not in texts(sw.users[Role.TOWN_CLERK], NoticeKind.LIAISON_DUE)

    def test_expired_agreement_owes_nothing(self, sw):
        sw.agreement_b.valid_until = D(2024, 12, 31)
        sw.agreement_b.save()
        liaison(sw.town_a, sw.host_a, held_on=D(2025, 3, 1))
        reminders.semiannual_liaison(D(2025, 6, 10))
        assert not Notice.objects.filter(kind=NoticeKind.LIAISON_DUE).exists()
        assert inbox(sw.clerk_b, NoticeKind.LIAISON_OVERDUE)  # it still owed the half-year it was in force

    def test_outpost_liaison_does_not_count_for_the_host_organization(self, sw):
        liaison(sw.town_a, None, organization=sw.outpost_a, held_on=D(2025, 3, 1))
        liaison(sw.town_b, sw.host_b, held_on=D(2025, 3, 1))
        reminders.semiannual_liaison(D(2025, 6, 10))
        assert "杭州市西湖区" in texts(sw.users[Role.TOWN_CLERK], NoticeKind.LIAISON_DUE)


# Joint meetings (seed 000 §3) ------------------------------------------------------------------------------------

@override_settings(JOINT_MEETING_REMINDER_FROM_MONTH=10)
def test_joint_meetings_from_october_monthly_to_county_people(sw):
    JointMeeting.objects.create(county=sw.county, held_on=D(2025, 3, 15))
    assert reminders.joint_meetings(D(2025, 9, 30)) == 0
    assert reminders.joint_meetings(D(2025, 10, 1)) == 2
    assert reminders.joint_meetings(D(2025, 10, 15)) == 0  # same month
    [notice] = inbox(sw.users[Role.COUNTY_STAFF], NoticeKind.JOINT_MEETINGS)
    assert "已召开1次" in notice.title
    assert inbox(sw.users[Role.TOWN_CLERK]) == []
    assert reminders.joint_meetings(D(2025, 11, 1)) == 2  # next month, reminded again
    JointMeeting.objects.create(county=sw.county, held_on=D(2025, 11, 20))
    assert reminders.joint_meetings(D(2025, 12, 1)) == 0


# Outpost secretaries (seed 000 §8) -------------------------------------------------------------------------------

@override_settings(OUTPOST_TRAINING_REMINDER_FROM_MONTH=9)
def test_outpost_secretary_training(sw):
    assert reminders.outpost_secretary_training(D(2025, 8, 31)) == 0
    created = reminders.outpost_secretary_training(D(2025, 9, 1))
    [notice] = inbox(sw.users[Role.TOWN_CLERK], NoticeKind.OUTPOST_TRAINING)
    assert "城关镇驻杭州流动党员党支部" in notice.title
    assert inbox(sw.clerk_b) == []  # the outpost is town A's
    assert created == 3  # clerk A, county staff, county admin
    assert reminders.outpost_secretary_training(D(2025, 9, 20)) == 0
    # Trained last year does not count this year; trained this year does.
    secretary_trained(training(county=sw.county, held_on=D(2024, 5, 1)), sw.outpost_a)
    assert reminders.outpost_secretary_training(D(2025, 10, 1)) == 3
    secretary_trained(training(county=sw.county, held_on=D(2025, 10, 8)), sw.outpost_a)
    assert reminders.outpost_secretary_training(D(2025, 11, 1)) == 0


# Festival ledger refresh (seed 000 §5, §11) ----------------------------------------------------------------------

class TestFestivalRefresh:
    @pytest.fixture(autouse=True)
    def _settings(self, settings):
        settings.FESTIVAL_REFRESH_DAYS_BEFORE, settings.LEDGER_STALE_MONTHS = 14, 6

    def make_complete(self, worker):
        worker.destination_code, worker.employer_name = "330106", "杭州鑫华电子有限公司"
        worker.political_status, worker.return_intention = "masses", "none"
        worker.party_wish, worker.post_wish = "no", "no"
        worker.save()
        assert worker.completeness == 6

    def test_lists_per_village_to_liaison_and_town_clerk(self, sw):
        self.make_complete(sw.workers["a2"])  # 赵六 in 西坝村 is six clear and fresh
        created = reminders.festival_ledger_refresh(D(2025, 9, 22))  # 14 days before Mid-Autumn 2025 (6 Oct)
        liaison_a = sw.users[Role.VILLAGE_LIAISON]
        [notice] = inbox(liaison_a, NoticeKind.FESTIVAL_REFRESH)
        assert "中秋" in notice.title and "东河村" in notice.title and "1名" in notice.title
        assert notice.link == "/services/ledger-refresh/?unit=610924100201&on=2025-09-22"
        assert "/admin/ledgers/worker/?unit=610924100201&completeness__lt=6" in notice.body
        assert inbox(sw.liaison_a2) == []  # nothing to refresh in 西坝村
        assert "金石村" in texts(sw.liaison_b) and "东河村" not in texts(sw.liaison_b)
        [town] = inbox(sw.users[Role.TOWN_CLERK], NoticeKind.FESTIVAL_REFRESH)
        assert "城关镇" in town.title and "东河村 1人" in town.body and "金石村" not in town.body
        assert created == 4  # two villages' liaisons, two towns' clerks
        assert reminders.festival_ledger_refresh(D(2025, 9, 30)) == 0  # same festival

    def test_stale_complete_records_are_listed_too(self, sw):
        self.make_complete(sw.workers["a"])
        self.make_complete(sw.workers["a2"])
        Worker.objects.filter(pk=sw.workers["a2"].pk).update(
            updated_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC))
        reminders.festival_ledger_refresh(D(2025, 9, 22))
        assert inbox(sw.users[Role.VILLAGE_LIAISON]) == []  # 张三 is complete and fresh
        [notice] = inbox(sw.liaison_a2)
        assert "赵六" not in notice.body and "6个月以上未更新1人" in notice.body

    def test_outside_the_window_nothing(self, sw):
        assert reminders.festival_ledger_refresh(D(2025, 9, 21)) == 0
        assert reminders.festival_ledger_refresh(D(2025, 10, 7)) == 0

    def test_spring_festival_lunar_date(self, sw):
        assert reminders.festival_ledger_refresh(D(2025, 1, 15)) > 0  # 14 days before 29 January 2025
        assert "春节" in inbox(sw.users[Role.VILLAGE_LIAISON])[0].title


# Mobile members (DOMAIN.md) --------------------------------------------------------------------------------------

def test_mobile_member_rules_notify_each_town_clerk_about_their_own(sw):
    PartyMember.objects.filter(pk=sw.members["a"].pk).update(
        out_since=D(2025, 1, 15), destination_code="330106", last_org_life_on=D(2025, 7, 1),
        last_dues_paid_on=D(2025, 7, 1))
    PartyMember.objects.filter(pk=sw.members["b"].pk).update(
        out_since=D(2020, 1, 1), destination_code="", last_org_life_on=D(2024, 1, 1),
        last_dues_paid_on=D(2025, 7, 1), lost_contact=False)
    assert reminders.mobile_members(D(2025, 7, 14)) == 1  # only 吴九's lapsed org life so far
    assert inbox(sw.users[Role.TOWN_CLERK]) == []
    assert reminders.mobile_members(D(2025, 7, 14)) == 0  # the same run again: nothing new
    assert reminders.mobile_members(D(2025, 7, 15)) == 1  # 李四 has been out six months today
    assert reminders.mobile_members(D(2025, 7, 31)) == 0  # same month, nothing newly due
    assert reminders.mobile_members(D(2025, 8, 1)) == 2  # a new month repeats what is still due
    clerk_a = sw.users[Role.TOWN_CLERK]
    transfer = inbox(clerk_a, NoticeKind.MOBILE_TRANSFER)[-1]  # July's and August's
    assert "李四" in transfer.body and "吴九" not in texts(clerk_a)
    assert transfer.link == "/services/mobile-members/?rule=transfer&unit=610924100"
    assert "吴九" in texts(sw.clerk_b, NoticeKind.MOBILE_LAPSED) and "李四" not in texts(sw.clerk_b)


def test_lost_contact_member(sw):
    PartyMember.objects.filter(pk=sw.members["b"].pk).update(lost_contact=True, lost_contact_since=D(2025, 1, 31))
    assert reminders.mobile_members(D(2025, 7, 30)) == 0
    assert reminders.mobile_members(D(2025, 7, 31)) == 1
    [notice] = inbox(sw.clerk_b, NoticeKind.MOBILE_LOST_CONTACT)
    assert "吴九" in notice.body and "停止党籍" in notice.title


# Scoping across every job ----------------------------------------------------------------------------------------

@override_settings(FESTIVAL_REFRESH_DAYS_BEFORE=14, JOINT_MEETING_REMINDER_FROM_MONTH=10,
                   OUTPOST_TRAINING_REMINDER_FROM_MONTH=9)
@pytest.mark.parametrize("day", [D(2025, 7, 1), D(2025, 9, 22), D(2025, 12, 1)])
def test_no_one_hears_of_records_outside_their_scope(sw, day):
    """Seed data in both towns; every notice a town or village user gets names only their own places and people."""
    PartyMember.objects.update(out_since=D(2020, 1, 1), destination_code="330106", last_org_life_on=D(2020, 1, 1))
    counts = reminders.run_all(day)
    assert sum(counts.values()) > 0
    own = {
        sw.users[Role.TOWN_CLERK]: ("城关镇", {"蒿坪镇", "金石村", "吴九", "孙七", "深圳市宝安区"}),
        sw.clerk_b: ("蒿坪镇", {"城关镇", "东河村", "西坝村", "李四", "张三", "杭州市西湖区"}),
        sw.users[Role.VILLAGE_LIAISON]: ("东河村", {"西坝村", "金石村", "蒿坪镇", "吴九"}),
        sw.liaison_b: ("金石村", {"东河村", "西坝村", "城关镇", "李四"}),
    }
    for user, (_, foreign) in own.items():
        text = texts(user)
        assert not [word for word in foreign if word in text], (user.username, text)
    for role in (Role.HOST_ORGANIZATION, Role.PARTNER, Role.ENTERPRISE_LIAISON, Role.OUTPOST_SECRETARY,
                 Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR):
        assert inbox(sw.users[role]) == [], role
    assert sum(reminders.run_all(day).values()) == 0  # and a second run of the period adds nothing


def test_deliver_drops_recipients_outside_the_subject(sw):
    from services.notices import deliver

    created = deliver([sw.users[Role.TOWN_CLERK], sw.clerk_b], sw.town_b, kind="test", title="t", body="b",
                      key="k")
    assert created == 1 and inbox(sw.users[Role.TOWN_CLERK]) == [] and len(inbox(sw.clerk_b)) == 1


@override_settings(NOTICE_EMAIL_ENABLED=True)
def test_email_copy_when_enabled(sw, django_capture_on_commit_callbacks, mailoutbox):
    sw.clerk_b.email = "clerk_b@example.cn"
    sw.clerk_b.save()
    liaison(sw.town_a, sw.host_a, held_on=D(2025, 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.semiannual_liaison(D(2025, 7, 2))
    assert [m.to for m in mailoutbox] == [["clerk_b@example.cn"]]
    assert "逾期" in mailoutbox[0].subject
    assert Notice.objects.get(recipient=sw.clerk_b).emailed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        reminders.semiannual_liaison(D(2025, 7, 3))
    assert len(mailoutbox) == 1
