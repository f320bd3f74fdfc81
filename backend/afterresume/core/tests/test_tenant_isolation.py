"""The route walk (docs/tenancy.md): every `/api/` route of the project, found by walking the URL
configuration, is checked for who may call it.

- admin routes (`api/admin/…`): 403 for a signed-in non-operator, on every method, and nothing changes;
- every other route with an object id in its path: someone else's object (a teammate's, an
  outsider's) is a 404 and stays unchanged. Each path parameter needs an entry in
  OBJECTS_BY_PATH_PARAMETER below; a new route whose parameter has none fails this file;
- the workspace's own shared objects (its memberships, its invites: SHARED_IN_THE_WORKSPACE) are
  reached by its owners by design: there an outsider's object is a 404 and stays unchanged, and a
  member (not an owner) is refused with 403 on every method, nothing changed;
- every route except the explicit PUBLIC_ROUTES answers 401 to an anonymous caller.
"""

import re
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from afterresume.accounts.models import ApiToken, User
from afterresume.accounts.tokens import api_token_create
from afterresume.audit.models import AuditEvent
from afterresume.exports.models import DataExport
from afterresume.exports.services import export_write
from afterresume.invites.models import InvitePasskey
from afterresume.invites.services import passkey_create
from afterresume.jobs.models import Job, JobKind
from afterresume.jobs.services import job_create_queued
from afterresume.reports.models import Report, ReportArtifact, ShareLink
from afterresume.reports.services import report_compose, report_create, report_store, share_link_create
from afterresume.skills.models import Skill
from afterresume.skills.services import skill_create, skill_link
from afterresume.tenants.models import Membership
from afterresume.worklogs.models import Evidence, WorkLog
from afterresume.worklogs.services import evidence_add, worklog_create
from conftest import token_client

PUBLIC_ROUTES = {
    "api/healthz/",
    "api/schema/",
    "api/docs/",
    "api/auth/signup/",
    "api/auth/token/",
    "api/billing/webhook/",  # signed by Stripe instead
    # A report's share link: readable by whoever holds its token, by design (revocation and expiry
    # are tested with the reports); no one's object is reached by an id.
    "api/shared/reports/<str:token>/",
}


def api_token_of(user: User, made: dict) -> ApiToken:
    token, _ = api_token_create(user=user, name="someone's script", expires_at=None)
    return token


def worklog_of(user: User, made: dict) -> WorkLog:
    return worklog_create(
        tenant=user.membership.tenant,
        author=user,
        date=date(2026, 11, 2),
        content=f"{user.email}'s private work",
    )


def evidence_of(user: User, made: dict) -> Evidence:
    """Evidence of the entry made for the same route (its URL names both)."""
    entry = made.get("worklog_id") or worklog_of(user, made)
    return evidence_add(
        entry=entry,
        author=user,
        upload=SimpleUploadedFile("notes.txt", b"what I did", content_type="text/plain"),
    )


def job_of(user: User, made: dict) -> Job:
    return job_create_queued(tenant=user.membership.tenant, author=user, kind=JobKind.WORKLOG_ENHANCE)


def skill_of(user: User, made: dict) -> Skill:
    skill = skill_create(tenant=user.membership.tenant, author=user, name=f"{user.email}'s craft")
    skill_link(skill=skill, entry=worklog_of(user, made))
    skill.refresh_from_db()  # its entry count, as the link left it
    return skill


def report_of(user: User, made: dict) -> Report:
    report = report_create(
        tenant=user.membership.tenant,
        author=user,
        kind="brag",
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
    )
    report_compose(report=report, text=f"# {user.email}'s brag\n", citations=[])
    return report_store(report=report)


def artifact_of(user: User, made: dict) -> ReportArtifact:
    report = made.get("report_id") or report_of(user, made)
    return report.artifacts.get(format="md")


def share_link_of(user: User, made: dict) -> ShareLink:
    report = made.get("report_id") or report_of(user, made)
    link, _ = share_link_create(report=report)
    return link


def membership_of(user: User, made: dict) -> Membership:
    return user.membership


def workspace_invite_of(user: User, made: dict) -> InvitePasskey:
    passkey, _ = passkey_create(created_by=user, note="untouched", target_tenant=user.membership.tenant)
    return passkey


def export_of(user: User, made: dict) -> DataExport:
    return export_write(tenant=user.membership.tenant, author=user, job_id=DataExport.objects.count() + 1)


# Path parameter of a non-admin route -> a factory making such an object belonging to `user`
# (given the objects already made for the same URL, in path order). A new route with a parameter
# missing here fails test_every_object_route_is_in_the_isolation_walk.
OBJECTS_BY_PATH_PARAMETER = {
    "token_id": api_token_of,
    "worklog_id": worklog_of,
    "evidence_id": evidence_of,
    "job_id": job_of,
    "skill_id": skill_of,
    "report_id": report_of,
    "artifact_id": artifact_of,
    "link_id": share_link_of,
    "member_id": membership_of,
    "invite_id": workspace_invite_of,
    "export_id": export_of,
}
# Objects of the workspace rather than of one person: its owners manage them whoever they concern,
# so only an outsider's are not found; its members are refused (403) on these routes.
SHARED_IN_THE_WORKSPACE = {"member_id", "invite_id"}

# Any request body a write could act on: an attempt to make oneself staff, to deactivate, to rename.
WRITE_BODY = {"is_staff": True, "is_active": False, "note": "taken over", "name": "taken over", "max_uses": 9}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    path: str  # as in the URL configuration, e.g. "api/me/tokens/<int:token_id>/"
    view_class: type
    parameters: tuple[str, ...]

    @property
    def methods(self) -> list[str]:
        """The HTTP methods the view implements (OPTIONS aside, which every APIView answers)."""
        names = self.view_class.http_method_names
        return [m for m in names if m not in ("options", "head") and hasattr(self.view_class, m)]

    @property
    def is_admin(self) -> bool:
        return "admin/" in self.path

    def url(self, **values) -> str:
        return "/" + PARAMETER.sub(lambda match: str(values[match.group(1)]), self.path)

    def __str__(self) -> str:
        return self.path


def walk(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def api_routes() -> list[Route]:
    routes = []
    for path, pattern in walk(get_resolver().url_patterns):
        if not path.startswith("api/"):
            continue
        assert isinstance(pattern.pattern, RoutePattern), f"{path}: use path(), not re_path(), under api/"
        view_class = getattr(pattern.callback, "view_class", None)
        assert view_class is not None, f"{path}: API routes are class-based views (as_view())"
        routes.append(Route(path, view_class, tuple(pattern.pattern.converters)))
    return routes


ROUTES = api_routes()
ADMIN_CALLS = [
    pytest.param(route, method, id=f"{method.upper()} {route}")
    for route in ROUTES
    if route.is_admin
    for method in [*route.methods, "options"]
]
OBJECT_ROUTES = [
    pytest.param(route, id=str(route))
    for route in ROUTES
    if route.parameters and not route.is_admin and route.path not in PUBLIC_ROUTES
]
PRIVATE_ROUTES = [pytest.param(route, id=str(route)) for route in ROUTES if route.path not in PUBLIC_ROUTES]


def call(client, method: str, url: str):
    if method in ("post", "put", "patch", "delete"):
        return getattr(client, method)(url, WRITE_BODY, format="json")
    return getattr(client, method)(url)


# --- the walk itself ----------------------------------------------------------------------------


def test_the_walk_finds_the_api_routes():
    paths = {route.path for route in ROUTES}

    assert {"api/me/", "api/me/tokens/<int:token_id>/", "api/admin/users/", "api/admin/passkeys/"} <= paths
    assert paths >= PUBLIC_ROUTES, "a public route was removed: take it off PUBLIC_ROUTES"
    assert all(route.methods for route in ROUTES)


def test_every_object_route_is_in_the_isolation_walk():
    parameters = {
        name
        for route in ROUTES
        if not route.is_admin and route.path not in PUBLIC_ROUTES
        for name in route.parameters
    }

    missing = parameters - set(OBJECTS_BY_PATH_PARAMETER)
    stale = set(OBJECTS_BY_PATH_PARAMETER) - parameters
    assert not missing, (
        f"new route parameter(s) {sorted(missing)}: add a factory to OBJECTS_BY_PATH_PARAMETER "
        "so that the walk proves other people's objects are a 404 there"
    )
    assert not stale, f"no route uses {sorted(stale)} any more: remove it from OBJECTS_BY_PATH_PARAMETER"


# --- (a) admin routes: staff only ---------------------------------------------------------------


@pytest.mark.parametrize(("route", "method"), ADMIN_CALLS)
def test_a_non_operator_gets_403_on_every_admin_route_and_nothing_changes(owner, operator, route, method):
    # given a real object for every id in the path; the owner tries it on themselves
    passkey, _ = passkey_create(created_by=operator, note="untouched")
    ids = {"user_id": owner.id, "passkey_id": passkey.id}
    client = token_client(owner)
    events_before = AuditEvent.objects.count()

    # when
    response = call(client, method, route.url(**{name: ids.get(name, 1) for name in route.parameters}))

    # then
    assert response.status_code == 403
    assert response.json()["message"] == "This is for operators only."
    owner.refresh_from_db()
    assert (owner.is_staff, owner.is_active) == (False, True)
    assert list(InvitePasskey.objects.all()) == [passkey]
    passkey.refresh_from_db()
    assert (passkey.revoked_at, passkey.note, passkey.max_uses) == (None, "untouched", 1)
    assert AuditEvent.objects.count() == events_before


# --- (a') the platform's figures: to a non-operator they do not exist ----------------------------

SYSTEM_CALLS = [
    pytest.param(route, method, id=f"{method.upper()} {route}")
    for route in ROUTES
    if route.path.startswith("api/system/")
    for method in route.methods
]


def test_the_walk_finds_the_system_routes():
    assert len(SYSTEM_CALLS) >= 4


@pytest.mark.parametrize(("route", "method"), SYSTEM_CALLS)
def test_a_non_operator_gets_404_on_every_system_route(owner, route, method):
    response = call(token_client(owner), method, route.url(**dict.fromkeys(route.parameters, 1)))

    assert response.status_code == 404, f"{method.upper()} {route}"
    assert response.json()["message"] == "Not found."


# --- (b) everyone else's objects are not found --------------------------------------------------


def make_objects(route: Route, user: User) -> dict:
    made: dict = {}
    for name in route.parameters:
        made[name] = OBJECTS_BY_PATH_PARAMETER[name](user, made)
    return made


@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_someone_elses_object_is_a_404_on_every_method_and_stays_unchanged(owner, teammate, outsider, route):
    missing = [name for name in route.parameters if name not in OBJECTS_BY_PATH_PARAMETER]
    if missing:
        pytest.fail(f"{route}: add a factory for {missing} to OBJECTS_BY_PATH_PARAMETER")
    client = token_client(owner)
    is_shared = bool(SHARED_IN_THE_WORKSPACE & set(route.parameters))

    for other in (outsider,) if is_shared else (teammate, outsider):
        # given objects belonging to someone else
        objects = make_objects(route, other)
        before = {name: model_to_dict(obj) for name, obj in objects.items()}
        url = route.url(**{name: obj.pk for name, obj in objects.items()})

        for method in route.methods:
            # when the owner asks for them, then they are simply not found
            response = call(client, method, url)
            assert response.status_code == 404, f"{method.upper()} {url} ({other.email}'s)"
            assert response.json()["message"] == "Not found."

        for name, obj in objects.items():
            obj.refresh_from_db()
            assert model_to_dict(obj) == before[name]

    # and the same route does serve the owner's own objects (the 404s above are not a broken route)
    own = make_objects(route, owner)
    own_url = route.url(**{name: obj.pk for name, obj in own.items()})
    for method in route.methods:
        response = call(client, method, own_url)
        assert response.status_code not in (403, 404), f"{method.upper()} {own_url} (own)"
        assert response.status_code < 500


SHARED_ROUTES = [
    pytest.param(route, id=str(route))
    for route in ROUTES
    if SHARED_IN_THE_WORKSPACE & set(route.parameters) and not route.is_admin
]


def test_the_walk_finds_the_workspaces_shared_routes():
    assert {str(route.values[0]) for route in SHARED_ROUTES} >= {
        "api/tenant/members/<int:member_id>/",
        "api/tenant/invites/<int:invite_id>/revoke/",
    }


@pytest.mark.parametrize("route", SHARED_ROUTES)
def test_a_member_is_refused_the_workspaces_shared_objects_and_they_stay_unchanged(owner, teammate, route):
    # given the owner's objects; their teammate (a member, not an owner) tries them
    objects = make_objects(route, owner)
    before = {name: model_to_dict(obj) for name, obj in objects.items()}
    url = route.url(**{name: obj.pk for name, obj in objects.items()})
    client = token_client(teammate)

    for method in route.methods:
        response = call(client, method, url)
        assert response.status_code == 403, f"{method.upper()} {url}"

    for name, obj in objects.items():
        obj.refresh_from_db()
        assert model_to_dict(obj) == before[name]


# --- (c) anonymous callers ----------------------------------------------------------------------


@pytest.mark.parametrize("route", PRIVATE_ROUTES)
def test_an_anonymous_caller_gets_401_on_every_non_public_route(api_client, db, route):
    method = route.methods[0]

    response = call(api_client, method, route.url(**dict.fromkeys(route.parameters, 1)))

    assert response.status_code == 401, f"{method.upper()} {route}"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("path", sorted(PUBLIC_ROUTES))
def test_the_public_routes_answer_an_anonymous_caller(api_client, db, path):
    [route] = [route for route in ROUTES if route.path == path]
    method = route.methods[0]

    response = call(api_client, method, route.url(**dict.fromkeys(route.parameters, "no-such-token")))

    # GETs succeed; the sign-up and token POSTs only complain about the empty body; a share link
    # that does not exist is not found (never a 401: no sign-in is asked for)
    expected = 404 if route.parameters else (200 if method == "get" else 400)
    assert response.status_code == expected, f"{method.upper()} {path}"
