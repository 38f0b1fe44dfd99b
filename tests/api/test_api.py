"""The read-only API (issue 24): every resource with a client of one township and of all,
scopes, tokens, throttling, masking and reveal, the change feed, errors and the call log."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cadres.access_log import access_log_verify
from cadres.models import AccessLogEntry, Post, Township
from cadres.services import post_end
from dongchang import warnings
from dongchang.api.models import ApiCallLog, ApiClient, ApiToken, Scope
from dongchang.api.services import api_client_update, api_token_revoke
from tests.api.conftest import ALL_SCOPES
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import UserFactory, cadre
from tests.querycount import assert_queries_flat
from tests.vetting.factories import import_list, run_inline
from tests.vetting_candidates.factories import nominate
from vetting.models import Hit

PROBLEM = "application/problem+json"


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    for key in ("title", "title_en", "detail", "detail_en"):
        assert body[key]
    assert body["title"] != body["title_en"]  # Chinese and English
    return body


# Cadres ----------------------------------------------------------------------------------------


def test_a_township_client_reads_its_own_cadres_only(api, places):
    _client, token, _row = api.make()
    response = api.get(reverse("api:cadres"), token)
    assert response.status_code == 200
    assert ids(response) == {places["own"].pk}
    row = response.json()["results"][0]
    assert row["posts"][0]["township"] == JINCHANG
    assert row["posts"][0]["village"] == places["own_village"].code
    assert row["serving"] is True
    # Masked without the reveal scope, and nothing written to the access log.
    assert row["id_number"] == places["own"].id_number[:4] + "*" * 10 + places["own"].id_number[-4:]
    assert not AccessLogEntry.objects.exists()


def test_a_client_of_all_townships_reads_every_cadre(api, places):
    _client, token, _row = api.make(townships="all")
    response = api.get(reverse("api:cadres"), token)
    assert ids(response) == {places["own"].pk, places["other"].pk}
    response = api.get(reverse("api:cadres"), token, township=HUANTONG)
    assert ids(response) == {places["other"].pk}


def test_the_cadre_filters(api, places):
    _client, token, _row = api.make(townships="all")
    secretary = cadre(
        places["own_village"], body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY
    )
    url = reverse("api:cadres")
    assert ids(api.get(url, token, title="secretary")) == {secretary.pk}
    assert ids(api.get(url, token, body="party_branch")) == {secretary.pk}
    assert ids(api.get(url, token, village=places["own_village"].code)) == {
        places["own"].pk,
        secretary.pk,
    }
    post = places["own"].posts.get()
    Post.objects.filter(pk=post.pk).update(ended_on=dt.date(2024, 1, 1), end_reason="resigned")
    assert places["own"].pk in ids(api.get(url, token, status="former"))
    assert places["own"].pk not in ids(api.get(url, token, status="serving"))
    body = problem(api.get(url, token, title="king"), 400)
    assert "title" in body["errors"]


def test_a_township_client_cannot_filter_by_another_township(api, places):
    _client, token, _row = api.make()
    body = problem(api.get(reverse("api:cadres"), token, township=HUANTONG), 400)
    assert "township" in body["errors"]


def test_a_cadre_of_another_township_is_not_found(api, places):
    _client, token, _row = api.make()
    assert api.get(reverse("api:cadre", args=[places["own"].pk]), token).status_code == 200
    body = problem(api.get(reverse("api:cadre", args=[places["other"].pk]), token), 404)
    assert body["title"] == "未找到"
    assert body["title_en"] == "Not found"


def test_lookup_by_id_number_and_by_name_and_birth_date(api, places):
    _client, token, _row = api.make()
    url = reverse("api:cadre_lookup")
    own, other = places["own"], places["other"]
    found = api.get(url, token, id_number=own.id_number.lower())
    assert [row["id"] for row in found.json()] == [own.pk]
    found = api.get(url, token, name=own.name, birth_date=own.birth_date.isoformat())
    assert [row["id"] for row in found.json()] == [own.pk]
    # Another township's cadre is as unknown as a number nobody has.
    problem(api.get(url, token, id_number=other.id_number), 404)
    problem(api.get(url, token, name=other.name, birth_date=other.birth_date.isoformat()), 404)
    body = problem(api.get(url, token, id_number="22050219800101"), 400)
    assert "身份证号" in body["detail"]
    body = problem(api.get(url, token, name=own.name, birth_date="1980-13-01"), 400)
    assert body["detail"] == "出生日期请按 YYYY-MM-DD 填写。" or "YYYY-MM-DD" in body["detail"]
    problem(api.get(url, token), 400)


def test_reveal_sends_full_numbers_and_logs_one_entry_per_person(api, places, api_admin):
    client, token, _row = api.make(townships="all", scopes=[*ALL_SCOPES, Scope.REVEAL])
    response = api.get(reverse("api:cadres"), token)
    numbers = {row["id"]: row["id_number"] for row in response.json()["results"]}
    assert numbers == {p.pk: p.id_number for p in (places["own"], places["other"])}
    entries = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.REVEAL_ID)
    assert sorted(int(e.object_id) for e in entries) == sorted(numbers)
    assert {e.user_id for e in entries} == {api_admin.pk}  # the client's owner
    assert all(client.name in e.detail for e in entries)
    api.get(reverse("api:cadre", args=[places["own"].pk]), token)
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.REVEAL_ID).count() == 3
    access_log_verify()  # the chain written in one go still holds


# Tokens, scopes, throttle, errors, the call log --------------------------------------------------


def test_a_missing_unknown_revoked_or_expired_token_is_refused(api, places, api_admin, client):
    url = reverse("api:cadres")
    problem(client.get(url), 401)
    problem(api.get(url, "dc_00000000_nothing"), 401)
    _client, token, row = api.make()
    assert api.get(url, token).status_code == 200
    api_token_revoke(actor=api_admin, token=row)
    body = problem(api.get(url, token), 401)
    assert "令牌" in body["detail"]
    assert "token" in body["detail_en"]
    _c, expired, _r = api.make(expires_at=timezone.now() - dt.timedelta(minutes=1))
    problem(api.get(url, expired), 401)
    disabled_client, disabled, _r = api.make()
    api_client_update(
        actor=api_admin,
        client=disabled_client,
        townships=disabled_client.townships.all(),
        scopes=disabled_client.scopes,
        active=False,
    )
    problem(api.get(url, disabled), 401)
    # The token's header keyword "Token" works as well as "Bearer".
    _c, fresh, _r = api.make()
    response = client.get(url, headers={"Authorization": f"Token {fresh}"})
    assert response.status_code == 200


def test_a_resource_outside_the_scopes_is_refused_and_logged(api, places):
    api_client, token, _row = api.make(scopes=[Scope.CADRES])
    assert api.get(reverse("api:cadres"), token).status_code == 200
    for name in ("api:hits", "api:cases", "api:changes", "api:structure", "api:warning_lights"):
        body = problem(api.get(reverse(name), token), 403)
        assert "权限范围" in body["detail"] or "范围" in body["detail"]
    calls = ApiCallLog.objects.filter(client=api_client)
    assert calls.count() == 6
    # No write of any kind: a POST is refused (by the CSRF check first, outside tests).
    posted = api.http.post(reverse("api:cadres"), headers={"Authorization": f"Bearer {token}"})
    assert problem(posted, 405)["title"] == "不允许的请求方法"
    checked = Client(enforce_csrf_checks=True)
    posted = checked.post(reverse("api:cadres"), headers={"Authorization": f"Bearer {token}"})
    assert posted.status_code == 403
    assert calls.filter(status=403).count() == 5


def test_the_throttle_counts_per_token(api, places, settings):
    settings.API_THROTTLE_RATE = "2/minute"
    _c, token, _r = api.make()
    _c, other_token, _r = api.make()
    url = reverse("api:cadres")
    assert api.get(url, token).status_code == 200
    assert api.get(url, token).status_code == 200
    response = api.get(url, token)
    body = problem(response, 429)
    assert int(response["Retry-After"]) > 0
    assert "秒" in body["detail"]
    assert api.get(url, other_token).status_code == 200


def test_every_call_is_logged_with_masked_parameters_and_its_count(api, places):
    api_client, token, row = api.make()
    api.get(reverse("api:cadre_lookup"), token, id_number=places["own"].id_number)
    api.get(reverse("api:cadres"), token, township=JINCHANG)
    calls = list(ApiCallLog.objects.filter(client=api_client).order_by("pk"))
    assert [(c.endpoint, c.status, c.count) for c in calls] == [
        (reverse("api:cadre_lookup"), 200, 1),
        (reverse("api:cadres"), 200, 1),
    ]
    assert calls[0].params["id_number"][0].count("*") == 10
    assert places["own"].id_number not in str(calls[0].params)
    assert calls[1].params == {"township": [JINCHANG]}
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_cursor_pages_and_queries_independent_of_page_size(api, places):
    _c, token, _r = api.make()
    url = reverse("api:cadres")
    for _ in range(3):
        cadre(places["own_village"])
    first = api.get(url, token, page_size=2).json()
    second = api.http.get(first["next"], headers={"Authorization": f"Bearer {token}"}).json()
    seen = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]]
    assert len(seen) == len(set(seen)) == 4

    def grow():
        for _ in range(4):
            cadre(places["own_village"])

    assert_queries_flat(lambda: api.get(url, token, page_size=100), grow)


# Changes ---------------------------------------------------------------------------------------


def test_the_change_feed_syncs_across_a_post_change(api, places, api_admin):
    _c, token, _r = api.make()
    url = reverse("api:changes")
    first = api.get(url, token).json()
    kinds = {(e["kind"], e["person"]) for e in first["events"]}
    assert ("post_begun", places["own"].pk) in kinds
    assert all(e["person"] != places["other"].pk for e in first["events"])
    assert first["more"] is False
    # Nothing new: the same cursor comes back with no events.
    again = api.get(url, token, cursor=first["cursor"]).json()
    assert again["events"] == []
    assert again["cursor"] == first["cursor"]
    post = places["own"].posts.get()
    district = UserFactory(role="区级审核人")
    post_end(actor=district, post=post, ended_on=dt.date(2026, 1, 5), reason="resigned")
    post_end(
        actor=district,
        post=places["other"].posts.get(),
        ended_on=dt.date(2026, 1, 5),
        reason="resigned",
    )
    after = api.get(url, token, cursor=first["cursor"]).json()
    assert [(e["kind"], e["post"], e["ended_on"]) for e in after["events"]] == [
        ("post_ended", post.pk, "2026-01-05")
    ]
    # Small pages walk the same events.
    walked, cursor = [], None
    while True:
        page = api.get(url, token, page_size=1, **({"cursor": cursor} if cursor else {})).json()
        walked += page["events"]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert walked == first["events"] + after["events"]
    problem(api.get(url, token, cursor="not-a-cursor"), 400)


# Hits, cases, lights, structure -----------------------------------------------------------------


def _hits(*people) -> list[Hit]:
    """One list naming each of ``people`` (a second import of a list retires the first's
    entries), screened."""
    reviewer = UserFactory(role="区级审核人")
    import_list(reviewer, [{"name": p.name, "id_number": p.id_number} for p in people])
    run_inline()
    return [Hit.objects.get(person=person) for person in people]


def test_hits_give_state_and_kind_never_the_list_row(api, places, api_admin):
    own, other = _hits(places["own"], places["other"])
    _c, token, _r = api.make()
    response = api.get(reverse("api:hits"), token)
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [own.pk]
    assert (rows[0]["match_kind"], rows[0]["status"]) == ("strong", "pending")
    assert not {"snapshot", "entry", "matched_values"} & set(rows[0])
    assert places["own"].id_number not in response.content.decode()
    viewed = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.VIEW_HITS)
    assert [int(e.object_id) for e in viewed] == [own.pk]
    _c, everything, _r = api.make(townships="all")
    assert ids(api.get(reverse("api:hits"), everything)) == {own.pk, other.pk}
    assert ids(api.get(reverse("api:hits"), everything, status="confirmed")) == set()
    problem(api.get(reverse("api:hits"), everything, status="maybe"), 400)


def test_cases_give_state_and_each_opinion(api, places):
    staff = UserFactory(role="乡镇工作人员", townships=[JINCHANG])
    other_staff = UserFactory(role="乡镇工作人员", townships=[HUANTONG])
    own = nominate(staff, village=places["own_village"])
    other = nominate(other_staff, village=places["other_village"])
    own.opinions.create(department="discipline", due_on=dt.date(2026, 12, 20))
    _c, token, _r = api.make()
    rows = api.get(reverse("api:cases"), token).json()["results"]
    assert [r["id"] for r in rows] == [own.pk]
    assert rows[0]["state"] == "draft"
    assert rows[0]["opinions"] == [
        {"department": "discipline", "verdict": "pending", "due_on": "2026-12-20", "given_at": None}
    ]
    assert "*" in rows[0]["id_number"]
    _c, everything, _r = api.make(townships="all", scopes=[Scope.CASES, Scope.REVEAL])
    rows = api.get(reverse("api:cases"), everything, state="draft").json()["results"]
    assert {r["id"] for r in rows} == {own.pk, other.pk}
    assert {r["id_number"] for r in rows} == {own.id_number, other.id_number}
    logged = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.REVEAL_ID)
    assert {int(e.object_id) for e in logged} == {own.pk, other.pk}


def test_warning_lights(api, places):
    warnings.lights_refresh()
    _c, token, _r = api.make()
    rows = api.get(reverse("api:warning_lights"), token).json()["results"]
    assert [r["person"] for r in rows] == [places["own"].pk]
    assert rows[0]["light"] in {"none", "blue", "yellow", "red"}
    _c, everything, _r = api.make(townships="all")
    rows = api.get(reverse("api:warning_lights"), everything).json()["results"]
    assert {r["person"] for r in rows} == {places["own"].pk, places["other"].pk}
    assert api.get(reverse("api:warning_lights"), everything, light="red").json()["results"] == []

    def grow():
        for _ in range(3):
            cadre(places["own_village"])
        warnings.lights_refresh()

    assert_queries_flat(lambda: api.get(reverse("api:warning_lights"), everything), grow)


def test_structure_figures(api, places):
    _c, token, _r = api.make()
    body = api.get(reverse("api:structure"), token).json()
    assert [row["code"] for row in body["rows"]] == [JINCHANG]
    assert body["total"]["people"] == 1
    villages = api.get(reverse("api:structure"), token, township=JINCHANG).json()
    assert places["own_village"].code in [row["code"] for row in villages["rows"]]
    problem(api.get(reverse("api:structure"), token, township=HUANTONG), 404)
    problem(api.get(reverse("api:structure"), token, on="yesterday"), 400)
    _c, everything, _r = api.make(townships="all")
    body = api.get(reverse("api:structure"), everything).json()
    assert {JINCHANG, HUANTONG} <= {row["code"] for row in body["rows"]}
    assert body["total"]["people"] == 2


# Schema, docs, the command, the admin -------------------------------------------------------------


def test_the_schema_validates_as_openapi_3_and_the_docs_need_no_cdn(api, client, api_admin):
    from drf_spectacular.validation import validate_schema

    _c, token, _r = api.make()
    response = client.get(
        reverse("api:schema"),
        {"format": "json"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/cadres/", "/api/v1/changes/", "/api/v1/hits/", "/api/v1/cases/"} <= set(
        schema["paths"]
    )
    # Neither signed in nor a token: refused.
    problem(client.get(reverse("api:schema"), {"format": "json"}), 401)
    assert client.get(reverse("api:docs")).status_code == 401
    client.force_login(api_admin)
    page = client.get(reverse("api:docs")).content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "http" not in page.split("<body>")[1]  # nothing from elsewhere
    assert "<style>" not in page  # the CSP allows no inline style
    assert "<script>" not in page  # nor inline script
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_command_creates_a_client_and_prints_a_working_token(api, places, api_admin, capsys):
    call_command("api_client_create", "省级平台", "--townships", JINCHANG, "--scopes", "cadres")
    token = capsys.readouterr().out.strip()
    assert token.startswith("dc_")
    assert not ApiToken.objects.filter(digest__contains=token).exists()
    assert ids(api.get(reverse("api:cadres"), token)) == {places["own"].pk}
    with pytest.raises(CommandError, match="未知"):
        call_command("api_client_create", "乙", "--townships", "all", "--scopes", "everything")
    with pytest.raises(CommandError, match="999"):
        call_command("api_client_create", "丙", "--townships", "999", "--scopes", "cadres")


def test_only_the_administrator_manages_clients(api, api_admin, client, system_admin):
    api_client, _token, _row = api.make()
    client.force_login(system_admin)
    # 系统管理员 without superuser: sent to the admin's login, as for every admin page.
    assert client.get(reverse("admin:api_apiclient_changelist")).status_code == 302
    client.force_login(api_admin)
    assert client.get(reverse("admin:api_apiclient_changelist")).status_code == 200
    response = client.post(
        reverse("admin:api_apiclient_changelist"),
        {"action": "issue_token", "_selected_action": [api_client.pk]},
    )
    assert response.status_code == 200
    assert "dc_" in response.content.decode()
    assert api_client.tokens.count() == 2
    response = client.post(
        reverse("admin:api_apiclient_changelist"),
        {"action": "revoke_tokens", "_selected_action": [api_client.pk]},
    )
    assert response.status_code == 302
    assert not api_client.tokens.filter(revoked_at__isnull=True).exists()
    assert api_client.tokens.filter(revoked_by=api_admin).count() == 2


def test_the_demo_gives_the_administrator_clients_with_a_call_each(db):
    from dongchang import demo

    demo.load_accounts()
    made = demo.load_api_clients()
    assert [name for name, _token in made] == [name for name, *_rest in demo.DEMO_API_CLIENTS]
    assert ApiCallLog.objects.filter(status=200).count() == 2
    assert demo.load_api_clients() == []  # idempotent


def test_the_administrator_adds_and_changes_a_client_in_the_admin(api_admin, client):
    client.force_login(api_admin)
    jinchang = Township.objects.get(code=JINCHANG)
    form = {
        "name": "市级干部信息平台",
        "owner": api_admin.pk,
        "townships": [jinchang.pk],
        "scopes": ["cadres", "structure"],
        "active": "on",
        "tokens-TOTAL_FORMS": "0",
        "tokens-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:api_apiclient_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    added = ApiClient.objects.get(name="市级干部信息平台")
    assert added.scopes == ["cadres", "structure"]
    assert list(added.townships.all()) == [jinchang]
    both = client.post(reverse("admin:api_apiclient_add"), {**form, "all_townships": "on"})
    assert "二者只能选其一" in both.content.decode()
    response = client.post(
        reverse("admin:api_apiclient_change", args=[added.pk]),
        {**form, "townships": [], "all_townships": "on", "scopes": ["cadres"]},
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.all_townships
    assert added.scopes == ["cadres"]
    assert not added.townships.exists()
