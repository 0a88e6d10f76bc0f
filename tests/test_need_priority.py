"""The priority of needs: a transparent score from configurable weights, explained in words on
the need page, sorted by in search, kept up to date each day, and never revealing which private
vulnerability applies to a household."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from cuutro.audit.models import AuditEvent
from cuutro.demo.scenario import need_plans
from cuutro.lib.text import fold
from cuutro.needs import services
from cuutro.needs.choices import VULNERABILITY_FLAGS
from cuutro.needs.models import Beneficiary, Need, NeedStatus
from cuutro.needs.priority import check_weights, flags_of, priority_breakdown, priority_weights, weights_problems
from cuutro.needs.selectors import NeedFilters, need_list_public, need_search_for_officer, need_search_public
from cuutro.needs.services import BeneficiaryData, NeedItemData
from tests.conftest import SECRET_ADDRESS, SECRET_ID, SECRET_NAME, SECRET_PHONE, Cast, need_data
from tests.test_demo import all_communes, item_names

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

WEIGHTS: dict[str, Any] = {
    "urgency": {"low": 1, "medium": 2, "high": 3, "critical": 50},
    "damage": {"none": 0, "minor": 4, "major": 7, "destroyed": 20},
    # Equal, as they must be: the sum may tell how many flags apply, never which.
    "vulnerability": {
        "poor_household": 9,
        "near_poor_household": 9,
        "elderly_alone": 9,
        "disability": 9,
        "young_children": 9,
        "pregnant": 9,
    },
    "vulnerability_max": 25,
    "waiting_per_day": 2,
    "waiting_max": 10,
}
TODAY = dt.date(2026, 11, 20)

# What must never reach a public page about a household's vulnerabilities: the flags' own words.
FLAG_WORDS = ["poor", "elderly", "alone", "disabilit", "pregnan", "under 6", "child"]


def household(**flags: bool) -> BeneficiaryData:
    return BeneficiaryData(
        full_name=SECRET_NAME, id_number=SECRET_ID, phone=SECRET_PHONE, address=SECRET_ADDRESS, household_size=4, **flags
    )


def parts(need: Need) -> list[tuple[str, int]]:
    return [(p["key"], p["points"]) for p in need.priority_parts]


def text(response: Any) -> str:
    """The page's visible text, one space between words."""
    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def days_ago(need: Need, days: int) -> None:
    """Pretend the need was verified ``days`` ago (the clock is not the test's to move)."""
    Need.objects.filter(pk=need.pk).update(verified_at=timezone.now() - timedelta(days=days))


# ---- the arithmetic -----------------------------------------------------------------------


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
def test_the_score_adds_up_each_part_with_the_configured_weights() -> None:
    breakdown = priority_breakdown(
        urgency="critical",
        damage_level="major",
        flags=["young_children", "pregnant"],
        status=NeedStatus.VERIFIED,
        verified_on=TODAY - timedelta(days=3),
        today=TODAY,
    )
    assert [(p.key, p.points) for p in breakdown.parts] == [("urgency", 50), ("damage", 7), ("vulnerable", 18), ("waiting", 6)]
    assert breakdown.total == 50 + 7 + 18 + 6
    with translation.override("en"):  # labels follow the active language, whatever ran before
        assert [p.label for p in breakdown.parts] == [
            "very urgent", "house or building badly damaged", "vulnerable household", "waiting 3 days",
        ]


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
def test_vulnerabilities_add_up_to_the_cap_and_no_more() -> None:
    def vulnerable(*flags: str) -> int:
        b = priority_breakdown(urgency="low", damage_level="none", flags=flags, status="draft", verified_on=None, today=TODAY)
        return b.total - 1  # the urgency's one point

    assert vulnerable() == 0
    assert vulnerable("poor_household") == 9
    assert vulnerable("poor_household", "elderly_alone") == 18
    assert vulnerable("poor_household", "elderly_alone", "disability") == 25  # 27, capped
    assert vulnerable(*VULNERABILITY_FLAGS) == 25  # 54, capped
    assert vulnerable("pregnant", "pregnant") == 9  # a flag counts once
    # Whichever flags they are, the sum tells only how many.
    assert {vulnerable(flag) for flag in VULNERABILITY_FLAGS} == {9}
    assert {vulnerable(a, b) for a in VULNERABILITY_FLAGS for b in VULNERABILITY_FLAGS if a != b} == {18}


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
@pytest.mark.parametrize(
    ("status", "waited", "points"),
    [
        (NeedStatus.VERIFIED, 0, 0),
        (NeedStatus.VERIFIED, 1, 2),
        (NeedStatus.PARTIALLY_PLEDGED, 4, 8),
        (NeedStatus.VERIFIED, 40, 10),  # capped
        (NeedStatus.FULLY_PLEDGED, 9, 0),  # nothing left to pledge: no longer waiting for donors
        (NeedStatus.CLOSED, 9, 0),
    ],
)
def test_days_waiting_count_while_the_need_is_open_up_to_the_cap(status: str, waited: int, points: int) -> None:
    b = priority_breakdown(
        urgency="low", damage_level="none", flags=(), status=status, verified_on=TODAY - timedelta(days=waited), today=TODAY
    )
    assert b.total == 1 + points
    assert ("waiting" in [p.key for p in b.parts]) == (points > 0)


def test_parts_worth_nothing_are_left_out_of_the_words() -> None:
    b = priority_breakdown(urgency="low", damage_level="none", flags=(), status="verified", verified_on=TODAY, today=TODAY)
    assert b.total == 0 and b.parts == ()  # default weights: low urgency, no damage, verified today


@pytest.mark.parametrize(
    "broken",
    [
        {**WEIGHTS, "urgency": {"low": 1, "high": 3, "critical": 50}},  # medium missing
        {**WEIGHTS, "waiting_max": -1},
        {**WEIGHTS, "damage": {**WEIGHTS["damage"], "major": "7"}},
        {**WEIGHTS, "vulnerability": {**WEIGHTS["vulnerability"], "orphan": 9}},  # equal points: only the key is wrong
        {**WEIGHTS, "waitng_per_day": 1},
        [],
    ],
    ids=["missing-level", "negative", "text", "unknown-flag", "typo", "not-a-dict"],
)
def test_malformed_weights_are_refused_at_start_up(broken: Any) -> None:
    with override_settings(NEED_PRIORITY_WEIGHTS=broken):
        errors = check_weights()
    assert errors and {e.id for e in errors} == {"needs.E001"}
    assert check_weights() == []  # the shipped defaults pass


UNEQUAL = "vulnerability must give every flag the same points, or the public score would tell which applies"


@pytest.mark.parametrize(
    "flags",
    [
        {**WEIGHTS["vulnerability"], "pregnant": 10},
        {**WEIGHTS["vulnerability"], "disability": 0},
    ],
    ids=["one-more", "one-worth-nothing"],
)
def test_weights_that_would_tell_which_flag_applies_are_refused(flags: dict[str, int]) -> None:
    with override_settings(NEED_PRIORITY_WEIGHTS={**WEIGHTS, "vulnerability": flags}):
        assert weights_problems(settings.NEED_PRIORITY_WEIGHTS) == [UNEQUAL]
        errors = check_weights()
        assert [(e.id, e.msg) for e in errors] == [("needs.E001", f"NEED_PRIORITY_WEIGHTS: {UNEQUAL}.")]
        with pytest.raises(ImproperlyConfigured, match="same points"):
            priority_weights()
    # Every flag worth the same, whatever the number: nothing to refuse.
    for points in (9, 0):
        equal = dict.fromkeys(VULNERABILITY_FLAGS, points)
        with override_settings(NEED_PRIORITY_WEIGHTS={**WEIGHTS, "vulnerability": equal}):
            assert weights_problems(settings.NEED_PRIORITY_WEIGHTS) == []
            assert check_weights() == []
            assert priority_weights().vulnerability == equal


# ---- stored by the services -----------------------------------------------------------------


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
def test_a_need_stores_its_score_and_parts_as_it_is_recorded_and_verified(cast: Cast, make_need: Any) -> None:
    need = make_need(
        "verified", urgency="high", damage_level="destroyed", beneficiary=household(poor_household=True, disability=True)
    )
    need.refresh_from_db()
    assert parts(need) == [("urgency", 3), ("damage", 20), ("vulnerable", 18)]
    assert need.priority == 41
    beneficiary = Beneficiary.objects.get(need=need)
    assert flags_of(beneficiary) == ["poor_household", "disability"]


def test_vulnerability_boxes_are_refused_for_a_community(cast: Cast) -> None:
    data = need_data(cast.commune_a, kind="community", beneficiary=BeneficiaryData(full_name="Trưởng thôn", elderly_alone=True))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.need_create(actor=cast.officer, data=data)
    assert "households only" in caught.value.message_dict["vulnerability"][0]
    assert not Need.objects.exists()


def test_a_household_cannot_be_both_poor_and_near_poor(cast: Cast) -> None:
    data = need_data(cast.commune_a, beneficiary=household(poor_household=True, near_poor_household=True))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.need_create(actor=cast.officer, data=data)
    assert "tick only one" in caught.value.message_dict["vulnerability"][0]


def test_an_unknown_damage_level_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        services.need_create(actor=cast.officer, data=need_data(cast.commune_a, damage_level="apocalyptic"))
    assert set(caught.value.message_dict) == {"damage_level"}


def test_an_edit_of_the_flags_is_audited_without_saying_which(cast: Cast, make_need: Any) -> None:
    need = make_need("draft")
    services.need_update(actor=cast.officer, need=need, data=need_data(cast.commune_a, beneficiary=household(elderly_alone=True)))
    event = AuditEvent.objects.get(target_id=str(need.pk), action="needs.need.edited")
    assert event.data["changed"] == ["beneficiary"]
    assert "elderly" not in json.dumps(event.data)


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
def test_a_need_that_is_fully_pledged_stops_gaining_days(cast: Cast, make_need: Any, make_pledge: Any) -> None:
    need = make_need("verified", urgency="low", items=[NeedItemData("roofing-sheet", 10)])
    days_ago(need, 3)
    call_command("refresh_priorities", stdout=StringIO())
    need.refresh_from_db()
    assert parts(need) == [("urgency", 1), ("waiting", 6)]
    make_pledge(need, quantity=10)
    need.refresh_from_db()
    assert need.status == NeedStatus.FULLY_PLEDGED
    assert parts(need) == [("urgency", 1)]
    assert need.priority == 1


# ---- the daily refresh ---------------------------------------------------------------------


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
def test_the_daily_refresh_adds_the_days_waited_and_a_second_run_changes_nothing(cast: Cast, make_need: Any) -> None:
    waiting = make_need("verified", urgency="medium")
    draft = make_need("draft", urgency="medium")
    days_ago(waiting, 4)
    out = StringIO()
    call_command("refresh_priorities", stdout=out)
    assert out.getvalue().strip() == "updated the priority of 1 need(s)"
    waiting.refresh_from_db()
    draft.refresh_from_db()
    assert parts(waiting) == [("urgency", 2), ("waiting", 8)] and waiting.priority == 10
    assert parts(draft) == [("urgency", 2)]  # not published: not waiting for donors yet

    again = StringIO()
    call_command("refresh_priorities", stdout=again)
    assert again.getvalue().strip() == "updated the priority of 0 need(s)"

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    call_command("refresh_priorities", today=tomorrow, stdout=StringIO())
    waiting.refresh_from_db()
    assert parts(waiting) == [("urgency", 2), ("waiting", 10)]
    assert waiting.priority_parts[-1]["value"] == 5


def test_the_refresh_applies_changed_weights(cast: Cast, make_need: Any) -> None:
    need = make_need("verified", urgency="critical", beneficiary=household(young_children=True))
    assert parts(need) == [("urgency", 40), ("vulnerable", 15)]  # default weights
    with override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS):
        call_command("refresh_priorities", stdout=StringIO())
    need.refresh_from_db()
    assert parts(need) == [("urgency", 50), ("vulnerable", 9)]
    assert need.priority == 59


def test_the_refresh_refuses_a_day_that_is_not_a_date(cast: Cast) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("refresh_priorities", today="tomorrow")


# ---- the need page and the API: words, and nothing private ------------------------------------


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
@pytest.mark.parametrize("who", ["anonymous", "outsider", "donor"])
def test_the_public_page_explains_the_score_in_words_and_names_no_flag(cast: Cast, make_need: Any, who: str) -> None:
    need = make_need(
        "verified",
        urgency="critical",
        damage_level="destroyed",
        beneficiary=household(elderly_alone=True, disability=True, young_children=True),
    )
    days_ago(need, 2)
    call_command("refresh_priorities", stdout=StringIO())
    client = Client(**ENGLISH) if who == "anonymous" else cast.client_for(getattr(cast, who))
    page = text(client.get(reverse("portal:need_detail", args=[need.code])))
    assert "Priority 99" in page  # 50 + 20 + 25 (capped) + 4
    assert "very urgent (+50)" in page
    assert "house or building destroyed (+20)" in page
    assert "vulnerable household (+25)" in page
    assert "waiting 2 days (+4)" in page
    assert "Collapsed or swept away" in page  # the damage itself is public
    for secret in (SECRET_NAME, SECRET_ID, SECRET_PHONE, SECRET_ADDRESS):
        assert secret not in page
    lowered = page.lower()
    for word in FLAG_WORDS:
        assert word not in lowered, word


def priority_card(response: Any) -> str:
    """The visible text of the page's priority card (the score and its parts)."""
    found = re.search(r'(?s)<section class="card need-priority".*?</section>', response.content.decode())
    assert found, "no priority card on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
def test_different_single_flags_look_the_same_on_the_public_page(cast: Cast, make_need: Any) -> None:
    pregnant = make_need("verified", urgency="high", damage_level="minor", beneficiary=household(pregnant=True))
    disabled = make_need("verified", urgency="high", damage_level="minor", beneficiary=household(disability=True))
    assert flags_of(Beneficiary.objects.get(need=pregnant)) == ["pregnant"]
    assert flags_of(Beneficiary.objects.get(need=disabled)) == ["disability"]
    client = Client(**ENGLISH)
    cards = [priority_card(client.get(reverse("portal:need_detail", args=[n.code]))) for n in (pregnant, disabled)]
    for card in cards:
        assert "Priority 16" in card  # 3 + 4 + 9
        assert "vulnerable household (+9)" in card
    assert cards[0] == cards[1]
    pregnant.refresh_from_db()
    disabled.refresh_from_db()
    assert pregnant.priority == disabled.priority == 16
    assert pregnant.priority_parts == disabled.priority_parts


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
def test_the_officer_sees_the_same_breakdown_and_which_flags_apply(cast: Cast, make_need: Any) -> None:
    need = make_need("verified", urgency="critical", beneficiary=household(disability=True))
    page = text(cast.client_for(cast.verifier).get(reverse("needs:officer_need", args=[need.code])))
    assert "Priority 59" in page
    assert "very urgent (+50)" in page and "vulnerable household (+9)" in page
    assert "Vulnerable household Person with a disability" in page  # the private card names the flag
    assert cast.client_for(cast.outsider).get(reverse("needs:officer_need", args=[need.code])).status_code == 403


@override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS)
def test_the_api_gives_the_score_and_its_parts_but_no_flag(cast: Cast, make_need: Any) -> None:
    need = make_need("verified", urgency="high", damage_level="minor", beneficiary=household(pregnant=True, poor_household=True))
    response = Client(**ENGLISH).get(f"/api/v1/needs/{need.code}")
    body = response.json()
    assert body["priority"] == 3 + 4 + 18
    assert body["damage_level"] == "minor"
    assert body["priority_breakdown"] == [
        {"key": "urgency", "label": "urgent", "points": 3},
        {"key": "damage", "label": "house or building slightly damaged", "points": 4},
        {"key": "vulnerable", "label": "vulnerable household", "points": 18},
    ]
    raw = json.dumps(body, ensure_ascii=False).lower()
    for word in [*FLAG_WORDS, *VULNERABILITY_FLAGS, fold(SECRET_NAME), SECRET_NAME.lower()]:
        assert word.lower() not in raw, word


def test_the_api_records_the_damage_and_the_flags_of_a_new_need(cast: Cast) -> None:
    token = cast.token_for(cast.officer)
    payload = {
        "area": cast.commune_a.code,
        "kind": "household",
        "urgency": "medium",
        "damage_level": "major",
        "description": "Nhà bị sập một phần sau lũ.",
        "items": [{"item": "rice", "quantity": 20}],
        "beneficiary": {"full_name": SECRET_NAME, "near_poor_household": True, "young_children": True},
    }
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post("/api/v1/needs", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    need = Need.objects.get(code=response.json()["code"])
    assert need.damage_level == "major"
    assert flags_of(need.beneficiary) == ["near_poor_household", "young_children"]
    assert response.json()["priority"] == need.priority == 10 + 15 + 30  # default weights: 15 a flag
    assert "near_poor" not in response.content.decode()


# ---- search sorts by it ----------------------------------------------------------------------


@pytest.fixture
def ranked(cast: Cast, make_need: Any) -> dict[str, Need]:
    """Three published needs whose priority order differs from their urgency order."""
    with override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS):
        return {
            # medium (2) + destroyed (20) + poor, elderly alone and disability (27, capped at 25) = 47
            "vulnerable": make_need(
                "verified",
                urgency="medium",
                damage_level="destroyed",
                beneficiary=household(poor_household=True, elderly_alone=True, disability=True),
            ),
            "critical": make_need("verified", urgency="critical"),  # 50
            "plain": make_need("verified", urgency="high"),  # 3: more urgent than the vulnerable one, lower priority
        }


def codes(needs: Any) -> list[str]:
    return [n.code for n in needs]


def test_public_search_puts_the_highest_priority_first_by_default(ranked: dict[str, Need]) -> None:
    expected = [ranked["critical"].code, ranked["vulnerable"].code, ranked["plain"].code]
    assert codes(need_search_public(filters=NeedFilters())) == expected
    assert [v.code for v in need_list_public(filters=NeedFilters())[0:3]] == expected
    # The waiting days can reorder them: the vulnerable household waited 3 days (+6), 53 passes 50.
    days_ago(ranked["vulnerable"], 3)
    with override_settings(NEED_PRIORITY_WEIGHTS=WEIGHTS):
        call_command("refresh_priorities", stdout=StringIO())
    assert Need.objects.get(pk=ranked["vulnerable"].pk).priority == 53
    assert codes(need_search_public(filters=NeedFilters()))[0] == ranked["vulnerable"].code


def test_public_search_sorts_by_urgency_or_newest_when_asked(ranked: dict[str, Need]) -> None:
    by_urgency = codes(need_search_public(filters=NeedFilters(sort="urgency")))
    assert by_urgency == [ranked["critical"].code, ranked["plain"].code, ranked["vulnerable"].code]
    newest = codes(need_search_public(filters=NeedFilters(sort="newest")))
    assert newest == [ranked["plain"].code, ranked["critical"].code, ranked["vulnerable"].code]
    # Anything else falls back to priority.
    assert codes(need_search_public(filters=NeedFilters(sort="nonsense")))[-1] == ranked["plain"].code


def test_the_search_page_offers_the_sort_keeps_it_across_pages_and_shows_results_in_that_order(
    ranked: dict[str, Need], settings: Any
) -> None:
    settings.CUUTRO_PAGE_SIZE = 2
    client = Client(**ENGLISH)
    first = client.get("/needs/", {"sort": "newest"}).content.decode()
    assert '<option value="newest" selected>' in first
    assert "sort=newest&amp;page=2" in first
    positions = [first.find(reverse("portal:need_detail", args=[ranked[k].code])) for k in ("plain", "critical")]
    assert -1 < positions[0] < positions[1]
    second = client.get("/needs/", {"sort": "newest", "page": 2}).content.decode()
    assert reverse("portal:need_detail", args=[ranked["vulnerable"].code]) in second
    default = client.get("/needs/").content.decode()  # not the cached page in another order
    assert '<option value="priority">Priority: most in need first</option>' in default
    assert default.find(ranked["critical"].code) < default.find(ranked["vulnerable"].code)


def test_the_api_lists_by_priority_and_refuses_an_unknown_sort(ranked: dict[str, Need]) -> None:
    client = Client(**ENGLISH)
    listed = [n["code"] for n in client.get("/api/v1/needs").json()["items"]]
    assert listed == [ranked["critical"].code, ranked["vulnerable"].code, ranked["plain"].code]
    assert [n["priority"] for n in client.get("/api/v1/needs").json()["items"]] == [50, 47, 3]
    newest = [n["code"] for n in client.get("/api/v1/needs", {"sort": "newest"}).json()["items"]]
    assert newest[0] == ranked["plain"].code  # not the cached answer to the same list in another order
    assert client.get("/api/v1/needs", {"sort": "random"}).status_code == 422


def test_officers_list_their_needs_last_changed_first_or_by_priority(cast: Cast, ranked: dict[str, Need]) -> None:
    assert codes(need_search_for_officer(user=cast.officer, filters=NeedFilters()))[0] == ranked["plain"].code
    by_priority = codes(need_search_for_officer(user=cast.officer, filters=NeedFilters(sort="priority")))
    assert by_priority == [ranked["critical"].code, ranked["vulnerable"].code, ranked["plain"].code]
    page = text(cast.client_for(cast.officer).get(reverse("needs:officer_home"), {"sort": "priority"}))
    assert page.find(ranked["critical"].code) < page.find(ranked["vulnerable"].code) < page.find(ranked["plain"].code)
    assert "Priority 47" in page


# ---- the officer form ------------------------------------------------------------------------


def form_data(area_code: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "area": area_code,
        "kind": "household",
        "urgency": "high",
        "damage_level": "destroyed",
        "description": "Nhà bị lũ cuốn trôi hoàn toàn.",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "20",
        "items-0-item": "cash-house-repair",
        "items-0-quantity": "30000000",
        "items-1-item": "",
        "items-1-quantity": "",
        "items-2-item": "",
        "items-2-quantity": "",
        "full_name": SECRET_NAME,
        "elderly_alone": "on",
        "disability": "on",
    }
    data.update(overrides)
    return data


def test_the_form_shows_plain_boxes_and_saves_the_flags_and_the_damage(cast: Cast) -> None:
    client = cast.client_for(cast.officer)
    blank = text(client.get(reverse("needs:need_create")))
    for label in ("Poor household", "Near-poor household", "Elderly person living alone", "Person with a disability",
                  "Child under 6 years old", "Pregnant woman", "Collapsed or swept away"):
        assert label in blank
    response = client.post(reverse("needs:need_create"), form_data(cast.commune_a.code))
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.damage_level == "destroyed"
    assert flags_of(need.beneficiary) == ["elderly_alone", "disability"]
    assert parts(need) == [("urgency", 25), ("damage", 25), ("vulnerable", 30)]  # default weights: 15 a flag
    edit = client.get(reverse("needs:need_edit", args=[need.code])).content.decode()
    assert re.search(r'name="disability"[^>]*checked', edit)
    assert re.search(r'name="elderly_alone"[^>]*checked', edit)
    assert not re.search(r'name="pregnant"[^>]*checked', edit)
    assert re.search(r'value="destroyed"[^>]*checked', edit)


def test_the_form_without_a_damage_answer_means_no_damage(cast: Cast) -> None:
    data = form_data(cast.commune_a.code)
    del data["damage_level"], data["elderly_alone"], data["disability"]
    assert cast.client_for(cast.officer).post(reverse("needs:need_create"), data).status_code == 302
    need = Need.objects.get()
    assert need.damage_level == "none"
    assert flags_of(need.beneficiary) == []


def test_the_form_says_why_it_refuses_both_poor_and_near_poor(cast: Cast) -> None:
    response = cast.client_for(cast.officer).post(
        reverse("needs:need_create"), form_data(cast.commune_a.code, poor_household="on", near_poor_household="on")
    )
    assert response.status_code == 200
    assert "A household is either poor or near-poor: tick only one of the two." in text(response)
    assert not Need.objects.exists()


# ---- the demo ------------------------------------------------------------------------------


def test_the_demo_gives_households_damage_and_vulnerabilities_in_believable_shares() -> None:
    plans = need_plans(seed=2020, count=600, communes=all_communes(), item_names=item_names())
    households = [p.data for p in plans if p.data.kind == "household"]
    others = [p.data for p in plans if p.data.kind != "household"]
    damage = Counter(d.damage_level for d in households)
    assert set(damage) == {"none", "minor", "major", "destroyed"}
    assert damage["destroyed"] < damage["major"]
    flags = Counter(f for d in households for f in flags_of(d.beneficiary))
    assert set(flags) == set(VULNERABILITY_FLAGS)
    assert 0.05 < flags["poor_household"] / len(households) < 0.25
    assert flags["pregnant"] < flags["disability"] < flags["young_children"]
    assert not any(flags_of(d.beneficiary) for d in others)
    # A story that says "hộ nghèo" is flagged so; one that says nothing of it may still be.
    poor = [d for d in households if "hộ nghèo" in d.description]
    assert poor and all(d.beneficiary is not None and d.beneficiary.poor_household for d in poor)
