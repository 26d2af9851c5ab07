"""Pages: the inbox, the person record, the reminder lists, and the admin of every services model."""

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from ledgers.models import PartyMember, Worker
from organizations.roles import Role
from services import choices
from services.models import OrgLifeRecord, RelationTransfer, ServiceCase
from services.tests.factories import everything
from zyparty.models import Notice

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def data(sw):
    everything(sw)
    return sw


def login(client, user):
    client.force_login(user)
    return client


def notice(user, title="提醒", link="", key=None):
    return Notice.objects.create(recipient=user, kind="test", title=title, body="内容", link=link,
                                 dedup_key=key or title)


# Inbox -----------------------------------------------------------------------------------------------------------

def test_inbox_shows_only_own_notices_and_marks_read(client, sw):
    clerk = sw.users[Role.TOWN_CLERK]
    mine = notice(clerk, "双向联系提醒：城关镇", link="/services/mobile-members/?rule=transfer")
    notice(sw.clerk_b, "蒿坪镇的提醒")
    page = login(client, clerk).get("/services/notices/")
    assert page.status_code == 200
    assert "双向联系提醒：城关镇" in page.content.decode() and "蒿坪镇的提醒" not in page.content.decode()
    assert client.get(f"/services/notices/{Notice.objects.get(recipient=sw.clerk_b).pk}/").status_code == 404
    opened = client.get(f"/services/notices/{mine.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/services/mobile-members/?rule=transfer"
    mine.refresh_from_db()
    assert mine.read_at is not None
    other = notice(clerk, "第二条")
    assert client.post(f"/services/notices/{other.pk}/read/").status_code == 302
    assert not Notice.objects.filter(recipient=clerk, read_at__isnull=True).exists()
    assert "暂无通知" in client.get("/services/notices/?unread=1").content.decode()


def test_notice_links_never_leave_the_site(client, sw):
    clerk = sw.users[Role.TOWN_CLERK]
    evil = notice(clerk, "x", link="https://evil.example/phish")
    assert login(client, clerk).get(f"/services/notices/{evil.pk}/")["Location"] == "/services/notices/"
    sneaky = notice(clerk, "y", link="//evil.example/")
    assert client.get(f"/services/notices/{sneaky.pk}/")["Location"] == "/services/notices/"


def test_read_all_and_unread_count_tag(client, sw):
    clerk = sw.users[Role.TOWN_CLERK]
    for i in range(3):
        notice(clerk, f"n{i}")
    notice(sw.clerk_b, "other")
    request = RequestFactory().get("/")
    request.user = clerk
    rendered = Template("{% load services_notices %}[{% unread_notice_count %}] {% notice_badge %}").render(
        Context({"request": request}))
    assert rendered.startswith("[3]") and '<span class="badge">3</span>' in rendered
    login(client, clerk).post("/services/notices/read-all/")
    request = RequestFactory().get("/")
    request.user = clerk
    assert Template("{% load services_notices %}{% unread_notice_count %}").render(
        Context({"request": request})) == "0"
    assert Notice.objects.filter(recipient=sw.clerk_b, read_at__isnull=True).count() == 1


def test_inbox_needs_login(client):
    assert client.get("/services/notices/").status_code == 302


# Person record (the home side sees what the host side recorded) --------------------------------------------------

def test_member_record_for_the_home_side(client, data):
    member = data.members["a"]
    PartyMember.objects.filter(pk=member.pk).update(out_since=D(2020, 1, 1), destination_code="330106")
    RelationTransfer.objects.filter(member=member, status="requested").update(status="cancelled")
    page = login(client, data.users[Role.TOWN_CLERK]).get(f"/services/people/member/{member.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("组织生活", "党费交纳", "流入地评价意见", "表现良好", "流动党员活动证", "SX-a-1", "组织关系转接",
                 "应转接组织关系", member.id_masked):
        assert text in html, text
    assert member.id_number not in html  # masked
    assert login(client, data.clerk_b).get(f"/services/people/member/{member.pk}/").status_code == 404


def test_member_record_for_the_host_organization(client, data):
    host = login(client, data.users[Role.HOST_ORGANIZATION])
    page = host.get(f"/services/people/member/{data.members['a'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "组织生活" in html and "服务事项" not in html  # the role does not see service cases
    assert host.get(f"/services/people/member/{data.members['b'].pk}/").status_code == 404


def test_activist_record(client, data):
    page = login(client, data.users[Role.TOWN_CLERK]).get(f"/services/people/activist/{data.activists['a'].pk}/")
    assert page.status_code == 200 and "考察意见" in page.content.decode() and "积极" in page.content.decode()


# Lists the reminders link to -------------------------------------------------------------------------------------

def test_mobile_members_page_is_scoped(client, sw):
    PartyMember.objects.update(out_since=D(2020, 1, 1), destination_code="330106")
    page = login(client, sw.users[Role.TOWN_CLERK]).get("/services/mobile-members/?rule=transfer&unit=610924100")
    html = page.content.decode()
    assert page.status_code == 200 and "李四" in html and "吴九" not in html
    assert "吴九" not in client.get("/services/mobile-members/?rule=transfer&unit=610924101").content.decode()
    assert client.get("/services/mobile-members/?rule=nonsense").status_code == 404


def test_ledger_refresh_page_lists_what_is_missing(client, sw):
    Worker.objects.filter(pk=sw.workers["a"].pk).update(updated_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    page = login(client, sw.users[Role.VILLAGE_LIAISON]).get("/services/ledger-refresh/?unit=610924100201")
    html = page.content.decode()
    assert page.status_code == 200 and "张三" in html and "赵六" not in html and "政治面貌" in html
    assert "待更新" in html


def test_the_admin_filter_link_in_festival_notices_works(client, sw):
    """The festival notice points at the worker admin filtered by village and completeness (seed 000 §5)."""
    page = login(client, sw.users[Role.TOWN_CLERK]).get(
        "/admin/ledgers/worker/?unit=610924100201&completeness__lt=6")
    assert page.status_code == 200
    html = page.content.decode()
    assert "张三" in html and "赵六" not in html


# Admin -----------------------------------------------------------------------------------------------------------

ADMIN_MODELS = ["liaisonrecord", "servicecase", "training", "trainingattendee", "jobfair", "employmentagreement",
                "outreachcampaign", "videolesson", "funding", "orgliferecord", "duespayment", "memberevaluation",
                "activistinspection", "mobilecertificate", "relationtransfer"]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_pages_open(client, data, model):
    from django.apps import apps

    for user in (data.users[Role.COUNTY_STAFF], data.users[Role.TOWN_CLERK]):
        login(client, user)
        assert client.get(f"/admin/services/{model}/").status_code == 200
        assert client.get(f"/admin/services/{model}/add/").status_code == 200
        obj = apps.get_model("services", model).objects.restrict(user).first()
        assert client.get(f"/admin/services/{model}/{obj.pk}/change/").status_code == 200
        other = apps.get_model("services", model).objects.exclude(
            pk__in=apps.get_model("services", model).objects.restrict(user).values("pk")).first()
        if other is not None:  # another town's record is not there for the clerk
            assert client.get(f"/admin/services/{model}/{other.pk}/change/").status_code in (302, 404)


def test_admin_org_life_by_host_goes_through_the_workflow(client, data):
    host = login(client, data.users[Role.HOST_ORGANIZATION])
    response = host.post("/admin/services/orgliferecord/add/", {
        "member": data.members["a"].pk, "held_on": "2025-11-02", "kind": "party_lesson", "topic": "",
        "attended": "on", "absence_reason": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PartyMember.objects.get(pk=data.members["a"].pk).last_org_life_on == D(2025, 11, 2)
    record = OrgLifeRecord.objects.get(held_on=D(2025, 11, 2))
    assert record.host_organization == data.host_a and record.created_by == data.users[Role.HOST_ORGANIZATION]
    refused = host.post("/admin/services/orgliferecord/add/", {
        "member": data.members["b"].pk, "held_on": "2025-11-02", "kind": "party_lesson", "attended": "on"})
    assert refused.status_code == 200 and not OrgLifeRecord.objects.filter(member=data.members["b"],
                                                                           held_on=D(2025, 11, 2)).exists()


def test_admin_case_open_and_transition(client, data):
    clerk = login(client, data.users[Role.TOWN_CLERK])
    response = clerk.post("/admin/services/servicecase/add/", {
        "title": "办理社保卡", "kind": "social_security", "channel": "window", "applicant_name": "钱一",
        "town": data.town_a.pk, "opened_on": "2025-10-01", "description": "", "outcome": "",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:3000]
    case = ServiceCase.objects.get(title="办理社保卡")
    assert case.status == choices.CaseStatus.RECEIVED and case.events.count() == 1
    change = {"title": "办理社保卡", "kind": "social_security", "channel": "window", "applicant_name": "钱一",
              "town": data.town_a.pk, "opened_on": "2025-10-01", "description": "", "outcome": "",
              "loaded_version": case.version, "events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "1",
              "transition_to": "closed", "transition_note": ""}
    refused = clerk.post(f"/admin/services/servicecase/{case.pk}/change/", change)
    assert refused.status_code == 200 and "须说明原因" in refused.content.decode()
    change["transition_note"] = "当事人已自行办理"
    done = clerk.post(f"/admin/services/servicecase/{case.pk}/change/", change)
    assert done.status_code == 302, done.content.decode()[:3000]
    case.refresh_from_db()
    assert case.status == choices.CaseStatus.CLOSED and case.events.count() == 2


def test_admin_transfer_decision_by_the_receiving_town(client, data):
    RelationTransfer.objects.filter(member=data.members["a"], status="requested").update(status="cancelled")
    transfer = RelationTransfer.objects.create(member=data.members["a"], to_organization=data.org_b,
                                               requested_on=D(2025, 10, 1))
    form = {"member": data.members["a"].pk, "from_organization": data.org_a.pk, "to_organization": data.org_b.pk,
            "destination_code": "", "receiving_org_name": "", "requested_on": "2025-10-01", "reason": "",
            "loaded_version": transfer.version, "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
            "decision": "rejected", "decision_note": ""}
    clerk_b = login(client, data.clerk_b)
    refused = clerk_b.post(f"/admin/services/relationtransfer/{transfer.pk}/change/", form)
    assert refused.status_code == 200 and "退回须说明原因" in refused.content.decode()
    form["decision_note"] = "本支部无法接收"
    done = clerk_b.post(f"/admin/services/relationtransfer/{transfer.pk}/change/", form)
    assert done.status_code == 302, done.content.decode()[:3000]
    transfer.refresh_from_db()
    assert transfer.status == choices.TransferStatus.REJECTED


def test_admin_liaison_from_the_reminder_link(client, sw):
    """The due notice links to the add form with the town and host organization filled in."""
    clerk = login(client, sw.users[Role.TOWN_CLERK])
    form = clerk.get(f"/admin/services/liaisonrecord/add/?town={sw.town_a.pk}&host_organization={sw.host_a.pk}")
    html = form.content.decode()
    assert form.status_code == 200 and f'<option value="{sw.host_a.pk}" selected' in html
    response = clerk.post("/admin/services/liaisonrecord/add/", {
        "town": sw.town_a.pk, "host_organization": sw.host_a.pk, "held_on": "2025-06-10", "channel": "letter",
        "topics": ["training", "employment"], "participants": "", "summary": "函商培训安排", "follow_ups": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    from services.models import LiaisonRecord

    record = LiaisonRecord.objects.get(summary="函商培训安排")
    assert record.topics == ["training", "employment"] and record.county == sw.county
    refused = clerk.post("/admin/services/liaisonrecord/add/", {
        "town": sw.town_b.pk, "host_organization": sw.host_b.pk, "held_on": "2025-06-10", "channel": "letter",
        "topics": ["training"], "summary": "越权"})
    assert refused.status_code == 200 and not LiaisonRecord.objects.filter(summary="越权").exists()
