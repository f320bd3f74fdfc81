"""Closing an account (docs/tenancy.md, "Closing an account"): the person's own data goes — entries,
evidence and their stored files, skills, reports, tokens, sign-in data — while the user row stays,
anonymised and deactivated, so that the ledger and the audit log keep pointing at a valid row.
Their workspace and its reserve stay too: the money belongs to the workspace, not to the person.

The one place that reaches into every domain holding a person's data (pyproject.toml's import
contract names this module as its exception)."""

import logging
from dataclasses import dataclass

from celery import current_app
from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from afterresume.accounts.models import ApiToken, User
from afterresume.audit.services import audit_record
from afterresume.billing.models import ReserveAccount
from afterresume.core.exceptions import DomainError
from afterresume.jobs.models import Job, JobStep
from afterresume.reports.models import Report, ReportArtifact
from afterresume.skills.models import Skill, SkillAlias, SkillEntry, SkillExtraction
from afterresume.tenants.models import Membership, Tenant
from afterresume.worklogs.models import Evidence, Tag, WorkLog, WorkLogDay

logger = logging.getLogger(__name__)

CONFIRMATION_PHRASE = "close my account"
CLOSED_NAME = "Closed account"
# The task that removes the closed account's stored files once the rows are gone (accounts/tasks.py).
REMOVE_FILES_TASK = "afterresume.accounts.tasks.closed_account_files_remove"
# A person's rows with a stored `file` in apps that may not be installed (named, not imported): their
# files sent to be imported and their data exports. Deleted with their files when present.
OPTIONAL_FILE_MODELS = (("worklogs", "ImportFile"), ("exports", "DataExport"))


class AccountCloseRefused(DomainError):
    status_code = 409


class MustHandOverOwnership(AccountCloseRefused):
    def __init__(self):
        super().__init__(
            "You are the only owner of a workspace with other members: make another member an "
            "owner first (Team page), then close your account."
        )


class JobsStillRunning(AccountCloseRefused):
    def __init__(self, count: int):
        self.count = count
        super().__init__(
            "Some of your jobs are still queued or running: wait for them to finish or cancel them "
            "(Jobs page), then close your account."
        )


class OperatorsCannotClose(AccountCloseRefused):
    def __init__(self):
        super().__init__(
            "Operator accounts cannot be closed here: ask another operator to remove your staff access first."
        )


class AlreadyClosed(AccountCloseRefused):
    def __init__(self):
        super().__init__("This account is already closed.")


@dataclass(frozen=True)
class ClosingStatement:
    """What closing would do, read before anything is done."""

    entries: int
    evidence_files: int
    skills: int
    reports: int
    tokens: int
    jobs: int
    jobs_running: int
    tenant: Tenant | None
    role: str | None
    other_members: int
    must_hand_over: bool
    is_last_member: bool
    balance_micros: int
    is_operator: bool

    @property
    def can_close(self) -> bool:
        return not (self.must_hand_over or self.jobs_running or self.is_operator)


def _is_sole_owner_with_members(membership: Membership | None, members: list[Membership]) -> bool:
    if membership is None or membership.role != Membership.Role.OWNER:
        return False
    owners = [m for m in members if m.role == Membership.Role.OWNER]
    return len(owners) == 1 and len(members) > 1


def _running_jobs(user: User) -> int:
    return Job.objects.filter(author=user, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).count()


def account_closing_statement(*, user: User) -> ClosingStatement:
    membership = Membership.objects.select_related("tenant").filter(user=user).first()
    members = list(Membership.objects.filter(tenant_id=membership.tenant_id)) if membership else []
    reserve = ReserveAccount.objects.filter(tenant_id=membership.tenant_id).first() if membership else None
    return ClosingStatement(
        entries=WorkLog.objects.filter(author=user).count(),
        evidence_files=Evidence.objects.filter(author=user).count(),
        skills=Skill.objects.filter(author=user).count(),
        reports=Report.objects.filter(author=user).count(),
        tokens=ApiToken.objects.filter(user=user, revoked_at__isnull=True).count(),
        jobs=Job.objects.filter(author=user).count(),
        jobs_running=_running_jobs(user),
        tenant=membership.tenant if membership else None,
        role=membership.role if membership else None,
        other_members=max(len(members) - 1, 0),
        must_hand_over=_is_sole_owner_with_members(membership, members),
        is_last_member=len(members) == 1,
        balance_micros=reserve.balance_micros if reserve else 0,
        is_operator=user.is_staff,
    )


@dataclass(frozen=True)
class ClosedAccount:
    user_id: int
    tenant_id: int | None
    entries: int
    evidence_files: int
    skills: int
    reports: int
    tokens: int
    jobs_scrubbed: int
    stored_files: int


def _optional_file_models() -> list:
    found = []
    for label, name in OPTIONAL_FILE_MODELS:
        try:
            found.append(apps.get_model(label, name))
        except LookupError:
            continue
    return found


def _stored_file_names(user: User) -> list[str]:
    evidence = Evidence.objects.filter(author=user).values_list("file", flat=True)
    artifacts = ReportArtifact.objects.filter(report__author=user).values_list("file", flat=True)
    others = [
        name
        for model in _optional_file_models()
        for name in model.objects.filter(author=user).values_list("file", flat=True)
    ]
    return [name for name in [*evidence, *artifacts, *others] if name]


def _sign_in_data_delete(user: User) -> None:
    """allauth's rows about the person: their e-mail addresses and, when the MFA app is installed,
    their security keys and TOTP secrets."""
    if apps.is_installed("allauth.account"):
        from allauth.account.models import EmailAddress

        EmailAddress.objects.filter(user=user).delete()
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator

        Authenticator.objects.filter(user=user).delete()


def account_close(*, user: User, session=None) -> ClosedAccount:
    """Closes `user`'s account in one transaction (see the module's docstring); `session`, the
    session the request came with, if any, is ended too (every other session of the person stops
    working with the password hash and the deactivation). Stored files are removed after commit by
    a task with retries. Raises MustHandOverOwnership, JobsStillRunning, OperatorsCannotClose or
    AlreadyClosed (all 409), and then nothing has changed."""
    with transaction.atomic():
        # The person's row first, then their workspace's memberships: two closes of one account
        # serialize on the first lock, and a role change in the workspace cannot slip in between
        # the hand-over check and the removal.
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.closed_at is not None or not user.is_active:
            raise AlreadyClosed()
        if user.is_staff:
            raise OperatorsCannotClose()
        membership = Membership.objects.filter(user=user).first()
        members = []
        if membership is not None:
            members = list(
                Membership.objects.select_for_update().filter(tenant_id=membership.tenant_id).order_by("pk")
            )
            membership = next(m for m in members if m.user_id == user.pk)
        if _is_sole_owner_with_members(membership, members):
            raise MustHandOverOwnership()
        if running := _running_jobs(user):
            raise JobsStillRunning(running)

        files = _stored_file_names(user)
        entries = WorkLog.objects.filter(author=user)
        counts = {
            "entries": entries.count(),
            "evidence_files": Evidence.objects.filter(author=user).count(),
            "skills": Skill.objects.filter(author=user).count(),
            "reports": Report.objects.filter(author=user).count(),
            "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).count(),
        }
        # Skills first (their links point at entries), then the entries with what hangs off them
        # (evidence, revisions, tag links cascade), then the per-day counts that counted them.
        SkillEntry.objects.filter(Q(skill__author=user) | Q(entry__author=user)).delete()
        SkillAlias.objects.filter(author=user).delete()
        Skill.objects.filter(author=user).delete()
        SkillExtraction.objects.filter(author=user).delete()
        Evidence.objects.filter(author=user).delete()
        entries.delete()
        Tag.objects.filter(author=user).delete()
        WorkLogDay.objects.filter(author=user).delete()
        # Reports with their files' rows and share links (cascade); their jobs stay, see below.
        Report.objects.filter(author=user).delete()
        for model in _optional_file_models():
            model.objects.filter(author=user).delete()
        # Jobs stay (their holds and usage are billing history) without the text they carried.
        jobs = Job.objects.filter(author=user)
        jobs_scrubbed = jobs.update(params={}, result={})
        JobStep.objects.filter(job__author=user).update(result={})

        ApiToken.objects.filter(user=user).delete()
        _sign_in_data_delete(user)
        if session is not None:
            session.flush()

        tenant = membership.tenant if membership is not None else None
        if membership is not None:
            membership.delete()
            if len(members) == 1:
                # Nobody is left in the workspace: it stays with its reserve and ledger, under a
                # name that no longer says whose it was.
                Tenant.objects.filter(pk=tenant.pk).update(name=f"Closed workspace {tenant.pk}")

        user.email = f"closed-{user.pk}@closed.invalid"
        user.display_name = CLOSED_NAME
        user.time_zone = "UTC"
        user.set_unusable_password()
        user.is_active = False
        user.closed_at = timezone.now()
        user.save(update_fields=["email", "display_name", "time_zone", "password", "is_active", "closed_at"])
        user.groups.clear()
        user.user_permissions.clear()

        audit_record(
            category="auth",
            action="account.closed",
            actor=user,
            tenant=tenant,
            target=f"user:{user.pk}",
            summary=f"Account {user.pk} closed by its owner",
            data={**counts, "jobs_scrubbed": jobs_scrubbed, "stored_files": len(files)},
        )
        if files:
            transaction.on_commit(lambda: closed_account_files_queue(user_id=user.pk, names=files))
    return ClosedAccount(
        user_id=user.pk,
        tenant_id=tenant.pk if tenant else None,
        jobs_scrubbed=jobs_scrubbed,
        stored_files=len(files),
        **counts,
    )


def closed_account_files_queue(*, user_id: int, names: list[str]) -> None:
    """Queue the removal of the stored files; with the broker unreachable, remove them here and now
    (what cannot be removed is recorded, as the task does when it gives up)."""
    try:
        current_app.signature(REMOVE_FILES_TASK, args=(user_id, names)).delay()
    except Exception:
        logger.exception("closed account %s: file removal could not be queued; removing in place", user_id)
        left = stored_files_remove(names=names)
        if left:
            closed_account_files_left(user_id=user_id, names=left)


def stored_files_remove(*, names: list[str]) -> list[str]:
    """Removes each stored object (removing one already gone is no error); returns the names that
    could not be removed."""
    storage = Evidence._meta.get_field("file").storage  # evidence and report files share it
    left = []
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.warning("could not remove stored file %s", name, exc_info=True)
            left.append(name)
    return left


def closed_account_files_left(*, user_id: int, names: list[str]) -> None:
    """The removal gave up: the names (server-made keys, no personal data) go to the audit log and
    the error log, for an operator to remove by hand (runbook: "Closing an account")."""
    logger.error("closed account %s: %s stored file(s) could not be removed: %s", user_id, len(names), names)
    audit_record(
        category="admin",
        action="account.files_left",
        target=f"user:{user_id}",
        summary=f"{len(names)} stored file(s) of closed account {user_id} could not be removed",
        data={"names": names},
    )
