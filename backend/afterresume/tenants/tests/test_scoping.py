import pytest
from django.core.exceptions import ValidationError

from afterresume.tenants.models import Membership
from afterresume.tenants.selectors import membership_list, tenant_for_user
from afterresume.tenants.services import tenant_create_with_owner


def test_sign_up_style_creation_makes_the_person_owner_of_a_new_workspace(owner):
    membership = owner.membership

    assert membership.role == Membership.Role.OWNER
    assert membership.tenant.name == "Olive's workspace"
    assert tenant_for_user(user=owner) == membership.tenant


def test_a_tenant_lists_its_own_members_only(owner, teammate, outsider):
    members = membership_list(tenant=owner.membership.tenant)

    assert [m.user.email for m in members] == ["owner@example.com", "teammate@example.com"]


def test_scoping_hides_another_tenants_rows(owner, outsider):
    mine = Membership.objects.for_tenant(owner.membership.tenant)

    assert not mine.filter(user=outsider).exists()
    assert mine.count() == 1


def test_a_person_belongs_to_exactly_one_tenant(owner, outsider):
    with pytest.raises(ValidationError):
        tenant_create_with_owner(owner=owner, name="Second workspace")
    assert Membership.objects.filter(user=owner).count() == 1


def test_a_person_without_a_workspace_is_refused_by_tenant_apis(db, api_client):
    from afterresume.accounts.models import User

    lonely = User.objects.create_user("lonely@example.com", "x" * 12)
    api_client.force_authenticate(lonely)

    response = api_client.get("/api/tenant/members/")

    assert response.status_code == 403
    assert response.json()["message"] == "Your account does not belong to a workspace."


def test_members_endpoint_lists_only_the_callers_workspace(owner, teammate, outsider, api_client):
    api_client.force_authenticate(teammate)

    response = api_client.get("/api/tenant/members/")

    assert response.status_code == 200
    body = response.json()
    assert body["tenant"] == {"id": owner.membership.tenant_id, "name": "Olive's workspace"}
    assert [(m["email"], m["display_name"], m["role"]) for m in body["members"]] == [
        ("owner@example.com", "Olive Owner", "owner"),
        ("teammate@example.com", "", "member"),
    ]


def test_members_endpoint_refuses_anonymous_callers(db, api_client):
    assert api_client.get("/api/tenant/members/").status_code == 401
