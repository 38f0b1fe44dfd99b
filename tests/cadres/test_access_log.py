import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from cadres.access_log import access_log_hash
from cadres.models import AccessLogEntry
from cadres.services import access_log_append
from tests.factories import RelativeFactory, UserFactory, VillageFactory, cadre, township

pytestmark = pytest.mark.django_db


def reveal(person):
    return reverse("cadres:reveal_id", args=[person.pk])


def test_reveal_writes_log_and_returns_the_number(client, township_reviewer):
    person = cadre()
    client.force_login(township_reviewer)
    page = client.get(reverse("cadres:detail", args=[person.pk])).content.decode()
    assert person.id_number not in page  # masked by default
    assert reveal(person) in page  # with a show button for this role
    response = client.post(reveal(person), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert person.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.action, entry.object_type, entry.object_id) == (
        township_reviewer,
        AccessLogEntry.Action.REVEAL_ID,
        "cadres.Person",
        str(person.pk),
    )


def test_reveal_relative(client, district_reviewer):
    relative = RelativeFactory(cadre=cadre())
    client.force_login(district_reviewer)
    response = client.post(reverse("cadres:reveal_relative_id", args=[relative.pk]))
    assert relative.id_number in response.content.decode()
    assert AccessLogEntry.objects.get().object_type == "cadres.Relative"


def test_reveal_needs_post(client, township_reviewer):
    client.force_login(township_reviewer)
    assert client.get(reveal(cadre())).status_code == 405
    assert not AccessLogEntry.objects.exists()


def test_reveal_forbidden_without_permission(client, staff):
    client.force_login(staff)
    assert client.post(reveal(cadre())).status_code == 403
    assert not AccessLogEntry.objects.exists()


def test_department_reveals_nothing_of_the_register(client, department_user):
    # A department may reveal the candidates it was asked about, never a cadre of the register.
    client.force_login(department_user)
    assert client.post(reveal(cadre())).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_reveal_other_township_is_404(client):
    reviewer = UserFactory(role="乡镇审核人", townships=["220502200"])
    person = cadre()
    relative = RelativeFactory(cadre=person)
    client.force_login(reviewer)
    assert client.post(reveal(person)).status_code == 404
    assert client.post(reverse("cadres:reveal_relative_id", args=[relative.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_reveal_anonymous_redirects(client):
    response = client.post(reveal(cadre()))
    assert response.status_code == 302


@pytest.fixture
def chain(staff):
    person = cadre(village=VillageFactory(township=township()))
    return [
        access_log_append(user=staff, action=AccessLogEntry.Action.REVEAL_ID, obj=person)
        for _ in range(5)
    ]


def test_intact_chain_verifies(chain, capsys):
    call_command("verify_access_log")
    assert capsys.readouterr().out.strip() == f"Access log intact: {len(chain)} entries."


def test_empty_log_verifies(db, capsys):
    call_command("verify_access_log")
    assert capsys.readouterr().out.strip() == "Access log intact: 0 entries."


def test_edited_entry_is_named(chain, access_log_tamperable):
    AccessLogEntry.objects.filter(pk=chain[2].pk).update(detail="nothing to see")
    with pytest.raises(CommandError, match=f"entry {chain[2].pk} "):
        call_command("verify_access_log")


def test_edit_with_recomputed_hash_is_found_at_the_next_entry(chain, access_log_tamperable):
    entry = AccessLogEntry.objects.get(pk=chain[2].pk)
    entry.detail = "forged"
    entry.hash = access_log_hash(entry)
    entry.save()
    with pytest.raises(CommandError, match=f"entry {chain[3].pk} "):
        call_command("verify_access_log")


def test_deleted_entry_is_found(chain, access_log_tamperable):
    AccessLogEntry.objects.filter(pk=chain[2].pk).delete()
    with pytest.raises(CommandError, match=f"entry {chain[3].pk} "):
        call_command("verify_access_log")


def test_admin_is_view_only_even_for_superusers(client, chain):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    entry = chain[0]
    assert client.get(reverse("admin:cadres_accesslogentry_changelist")).status_code == 200
    assert client.get(reverse("admin:cadres_accesslogentry_add")).status_code == 403
    change = reverse("admin:cadres_accesslogentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200  # the view page, read-only
    client.post(change, {"detail": "changed"})
    delete = reverse("admin:cadres_accesslogentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.detail == ""
    assert AccessLogEntry.objects.count() == 5
    call_command("verify_access_log")
