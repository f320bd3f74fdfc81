import json

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from afterresume.accounts.authentication import ApiTokenAuthentication
from afterresume.core.filters import DayFilter, QueryFilters
from afterresume.core.pagination import StrictCursorPagination
from afterresume.tenants.apis import TenantApi
from afterresume.worklogs.downloads import stored_file_download
from afterresume.worklogs.files import SUFFIXES, TEXT_TYPES
from afterresume.worklogs.models import WorkLog
from afterresume.worklogs.selectors import (
    ORDERINGS,
    evidence_get,
    worklog_get,
    worklog_history,
    worklog_list,
    worklog_stats,
    worklog_suggestions,
)
from afterresume.worklogs.services import (
    evidence_add,
    evidence_delete,
    worklog_create,
    worklog_delete,
    worklog_update,
)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, instead of silently dropping them."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise ValidationError({name: ["This field is not known."] for name in unknown})
        return attrs


class WorkLogIn(StrictSerializer):
    date = serializers.DateField()
    content = serializers.CharField(max_length=10_000, trim_whitespace=True)
    employer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    project = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, required=False, default=list
    )
    metadata = serializers.DictField(required=False, default=dict)

    def validate_metadata(self, value):
        """Free-form, but storable: no NUL characters (PostgreSQL refuses them), at most 10 kB."""
        if _has_nul(value):
            raise ValidationError("Metadata cannot contain NUL characters.")
        encoded = json.dumps(value)
        if len(encoded) > 10_000:
            raise ValidationError("Metadata can be at most 10,000 characters of JSON.")
        return value


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class WorkLogPatchIn(WorkLogIn):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


def worklog_out(entry: WorkLog) -> dict:
    """Plain dicts, not a ModelSerializer: the list is the hot path (docs/decisions.md)."""
    return {
        "id": entry.id,
        "date": entry.date.isoformat(),
        "content": entry.content,
        "employer": entry.employer,
        "project": entry.project,
        "tags": sorted(tag.name for tag in entry.tags.all()),
        "source": entry.source,
        "metadata": entry.metadata,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }


def evidence_out(item) -> dict:
    return {
        "id": item.id,
        "name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
        "created_at": item.created_at.isoformat(),
    }


class WorkLogOut(serializers.Serializer):
    """What worklog_out() answers (for the schema: the answers themselves are plain dicts)."""

    id = serializers.IntegerField()
    date = serializers.DateField()
    content = serializers.CharField()
    employer = serializers.CharField(allow_blank=True)
    project = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())
    source = serializers.ChoiceField(choices=WorkLog.Source.choices)
    metadata = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EvidenceOut(serializers.Serializer):
    """What evidence_out() answers."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


HISTORY_SHOWN = 20


class RevisionOut(serializers.Serializer):
    content = serializers.CharField(help_text="The text the entry had before this change.")
    reason = serializers.CharField(help_text="What replaced it: an edit, or an accepted enhancement.")
    replaced_at = serializers.DateTimeField()


class WorkLogDetailOut(WorkLogOut):
    evidence = EvidenceOut(many=True)
    history = RevisionOut(many=True, help_text=f"Earlier texts, newest first (the last {HISTORY_SHOWN}).")


class WorkLogSuggestionsOut(serializers.Serializer):
    """Distinct employers, projects and tags of the person's most recent entries, most recent first,
    and their today: what a form for logging work offers and starts from."""

    employers = serializers.ListField(child=serializers.CharField())
    projects = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())
    last_employer = serializers.CharField(allow_blank=True)
    last_project = serializers.CharField(allow_blank=True)
    today = serializers.DateField(help_text="Today in the person's own time zone.")


class WorkLogStatsOut(serializers.Serializer):
    """The person's counters, counted in their own time zone: entries this week (Monday first), the
    current streak of days with an entry, and all entries."""

    today = serializers.DateField(help_text="Today in the person's own time zone.")
    this_week = serializers.IntegerField()
    streak_days = serializers.IntegerField()
    total = serializers.IntegerField()


class WorkLogCreatedOut(WorkLogOut):
    """The created entry, plus (when asked with `?include=suggestions`) what a form that logs several
    entries in a row needs next, so that saving costs one call."""

    suggestions = WorkLogSuggestionsOut(
        required=False,
        help_text=(
            "Only with ?include=suggestions: the suggestions as they are after this entry "
            "(as GET /api/worklogs/suggestions/)."
        ),
    )


class WorkLogCreateOptions(serializers.Serializer):
    # Opt-in: the suggestions read every entry's distinct values, which a script logging one entry
    # does not need to pay for (bench/README.md, "Worklogs").
    include = serializers.ChoiceField(
        choices=["suggestions"], required=False, help_text="suggestions: answer them with the entry."
    )


class WorkLogPagination(StrictCursorPagination):
    def get_ordering(self, request, queryset, view):
        return ORDERINGS.get(request.query_params.get("ordering", "-date"), ORDERINGS["-date"])


class WorkLogFilters(QueryFilters):
    search = serializers.CharField(max_length=200, required=False)
    date_from = DayFilter()
    date_to = DayFilter()
    employer = serializers.CharField(max_length=200, required=False)
    project = serializers.CharField(max_length=200, required=False)
    tag = serializers.CharField(max_length=50, required=False)
    source = serializers.ChoiceField(choices=WorkLog.Source.choices, required=False)
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), required=False)


def _source_for(request) -> str:
    return (
        WorkLog.Source.API
        if isinstance(request.successful_authenticator, ApiTokenAuthentication)
        else (WorkLog.Source.MANUAL)
    )


class WorkLogListCreateApi(TenantApi):
    pagination_class = WorkLogPagination

    @extend_schema(parameters=[WorkLogFilters], responses=WorkLogOut(many=True), operation_id="worklogs_list")
    def get(self, request):
        filters = WorkLogFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = worklog_list(tenant=request.tenant, author=request.user, **filters.validated_data)
        paginator = WorkLogPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response([worklog_out(entry) for entry in page])

    @extend_schema(request=WorkLogIn, parameters=[WorkLogCreateOptions], responses={201: WorkLogCreatedOut})
    def post(self, request):
        options = WorkLogCreateOptions(data=request.query_params)
        options.is_valid(raise_exception=True)
        given = WorkLogIn(data=request.data)
        given.is_valid(raise_exception=True)
        entry = worklog_create(
            tenant=request.tenant, author=request.user, source=_source_for(request), **given.validated_data
        )
        answer = worklog_out(entry)
        if options.validated_data.get("include") == "suggestions":
            answer["suggestions"] = worklog_suggestions(tenant=request.tenant, author=request.user)
        return Response(answer, status=status.HTTP_201_CREATED)


class OwnEntryMixin:
    """The caller's own entry by id; anyone else's is not found (404), teammates' included."""

    def _entry(self, request, worklog_id: int) -> WorkLog:
        entry = worklog_get(tenant=request.tenant, author=request.user, worklog_id=worklog_id)
        if entry is None:
            raise Http404
        return entry


class WorkLogDetailApi(OwnEntryMixin, TenantApi):
    @extend_schema(responses=WorkLogDetailOut)
    def get(self, request, worklog_id: int):
        entry = self._entry(request, worklog_id)
        return Response(
            {
                **worklog_out(entry),
                "evidence": [evidence_out(item) for item in entry.evidence.all()],
                "history": RevisionOut(worklog_history(entry=entry, limit=HISTORY_SHOWN), many=True).data,
            }
        )

    @extend_schema(request=WorkLogPatchIn, responses=WorkLogOut)
    def patch(self, request, worklog_id: int):
        entry = self._entry(request, worklog_id)
        given = WorkLogPatchIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        entry = worklog_update(entry=entry, **given.validated_data)
        return Response(worklog_out(entry))

    @extend_schema(responses={204: None})
    def delete(self, request, worklog_id: int):
        worklog_delete(entry=self._entry(request, worklog_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkLogSuggestionsApi(TenantApi):
    @extend_schema(responses=WorkLogSuggestionsOut)
    def get(self, request):
        return Response(worklog_suggestions(tenant=request.tenant, author=request.user))


class WorkLogStatsApi(TenantApi):
    @extend_schema(responses=WorkLogStatsOut)
    def get(self, request):
        return Response(worklog_stats(tenant=request.tenant, author=request.user))


class EvidenceListCreateApi(OwnEntryMixin, TenantApi):
    parser_classes = (MultiPartParser,)

    @extend_schema(responses=EvidenceOut(many=True))
    def get(self, request, worklog_id: int):
        entry = self._entry(request, worklog_id)
        return Response([evidence_out(item) for item in entry.evidence.all()])

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer("EvidenceUpload", {"file": serializers.FileField()})
        },
        responses={201: EvidenceOut},
    )
    def post(self, request, worklog_id: int):
        # Refuse an oversized upload from its declared length, before the body is read.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.EVIDENCE_MAX_BYTES + 64 * 1024:
            raise ValidationError(
                {"file": [f"The file is larger than {settings.EVIDENCE_MAX_BYTES // 2**20} MB."]}
            )
        entry = self._entry(request, worklog_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Choose a file to upload."]})
        try:
            item = evidence_add(entry=entry, author=request.user, upload=upload)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(evidence_out(item), status=status.HTTP_201_CREATED)


class OwnEvidenceMixin:
    def _item(self, request, worklog_id: int, evidence_id: int):
        item = evidence_get(
            tenant=request.tenant, author=request.user, worklog_id=worklog_id, evidence_id=evidence_id
        )
        if item is None:
            raise Http404
        return item


class EvidenceDetailApi(OwnEvidenceMixin, TenantApi):
    @extend_schema(responses={204: None})
    def delete(self, request, worklog_id: int, evidence_id: int):
        evidence_delete(evidence=self._item(request, worklog_id, evidence_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# What a download answers: the checked type stored with the file (worklogs.files' allow-list).
EVIDENCE_TYPES = sorted({*SUFFIXES, *TEXT_TYPES.values()})


class EvidenceDownloadApi(OwnEvidenceMixin, TenantApi):
    """A permission-checked download: on S3 a redirect to a short-lived presigned URL that forces
    `Content-Disposition: attachment` and the stored (checked) type; on local storage the file
    itself, streamed with the same headers plus nosniff."""

    @extend_schema(responses={**{(200, kind): bytes for kind in EVIDENCE_TYPES}, 302: None})
    def get(self, request, worklog_id: int, evidence_id: int):
        item = self._item(request, worklog_id, evidence_id)
        return stored_file_download(
            item.file, filename=item.original_name, content_type=item.content_type, size=item.size
        )
