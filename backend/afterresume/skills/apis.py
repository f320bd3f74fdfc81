"""Skills: the list (sortable), one skill with the entries that show it, and the changes by hand
(add, rename, hide, merge, link an entry). Extraction is a job: POST /api/jobs/ with kind
`skills.extract`. Private to their author (docs/tenancy.md): anyone else's skill is a 404."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from afterresume.core.filters import QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.skills.selectors import ORDERINGS, skill_entries, skill_get, skill_link_sources, skill_list
from afterresume.skills.services import skill_create, skill_link, skill_merge, skill_unlink, skill_update
from afterresume.tenants.apis import TenantApi
from afterresume.worklogs.selectors import worklog_get


class SkillOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    aliases = serializers.SerializerMethodField(help_text="Other names that mean this skill.")
    is_hidden = serializers.BooleanField()
    entry_count = serializers.IntegerField(help_text="Entries that show it.")
    first_seen = serializers.DateField(allow_null=True, help_text="The date of the first such entry.")
    last_seen = serializers.DateField(allow_null=True, help_text="The date of the latest such entry.")

    def get_aliases(self, skill) -> list[str]:
        return sorted(alias.key for alias in skill.aliases.all())


class SkillEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    content = serializers.CharField()
    employer = serializers.CharField(allow_blank=True)
    project = serializers.CharField(allow_blank=True)
    evidence_count = serializers.IntegerField()
    linked = serializers.ChoiceField(
        choices=["extracted", "manual"], help_text="By an extraction or by hand."
    )


class SkillIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class SkillPatchIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    is_hidden = serializers.BooleanField(required=False)


class SkillMergeIn(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, help_text="The skill this one becomes part of.")


class SkillLinkIn(serializers.Serializer):
    worklog_id = serializers.IntegerField(min_value=1)


def _own_skill(request, skill_id: int):
    skill = skill_get(tenant=request.tenant, author=request.user, skill_id=skill_id)
    if skill is None:
        raise Http404
    return skill


def _own_entry(request, worklog_id: int):
    entry = worklog_get(tenant=request.tenant, author=request.user, worklog_id=worklog_id)
    if entry is None:
        raise Http404
    return entry


def _skill_answer(request, skill_id: int, *, status_code: int = 200) -> Response:
    return Response(SkillOut(_own_skill(request, skill_id)).data, status=status_code)


class SkillListApi(TenantApi):
    pagination_class = Pagination

    class SkillFilters(QueryFilters):
        ordering = serializers.ChoiceField(choices=list(ORDERINGS), required=False)
        include_hidden = serializers.BooleanField(required=False)

    @extend_schema(parameters=[SkillFilters], responses=SkillOut(many=True))
    def get(self, request):
        filters = self.SkillFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        skills = skill_list(tenant=request.tenant, author=request.user, **filters.validated_data)
        return paginated_response(
            request=request, view=self, queryset=skills.prefetch_related("aliases"), serializer_class=SkillOut
        )

    @extend_schema(request=SkillIn, responses={201: SkillOut})
    def post(self, request):
        """Add a skill by hand (then link the entries that show it)."""
        given = SkillIn(data=request.data)
        given.is_valid(raise_exception=True)
        skill = skill_create(tenant=request.tenant, author=request.user, **given.validated_data)
        return _skill_answer(request, skill.pk, status_code=status.HTTP_201_CREATED)


class SkillDetailApi(TenantApi):
    @extend_schema(responses=SkillOut)
    def get(self, request, skill_id: int):
        return _skill_answer(request, skill_id)

    @extend_schema(request=SkillPatchIn, responses=SkillOut)
    def patch(self, request, skill_id: int):
        """Rename (the old name stays an alias) or hide / show."""
        skill = _own_skill(request, skill_id)
        given = SkillPatchIn(data=request.data)
        given.is_valid(raise_exception=True)
        skill_update(skill=skill, **given.validated_data)
        return _skill_answer(request, skill_id)

    @extend_schema(responses={204: None})
    def delete(self, request, skill_id: int):
        """Remove the skill and its links (the entries stay)."""
        _own_skill(request, skill_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class SkillMergeApi(TenantApi):
    @extend_schema(request=SkillMergeIn, responses=SkillOut)
    def post(self, request, skill_id: int):
        """This skill becomes part of `into`: its entries and names move there; it is gone."""
        skill = _own_skill(request, skill_id)
        given = SkillMergeIn(data=request.data)
        given.is_valid(raise_exception=True)
        into = skill_get(tenant=request.tenant, author=request.user, skill_id=given.validated_data["into"])
        if into is None:
            raise serializers.ValidationError({"into": ["No skill of yours has this id."]})
        merged = skill_merge(skill=skill, into=into)
        return _skill_answer(request, merged.pk)


class SkillEntriesApi(TenantApi):
    pagination_class = Pagination

    @extend_schema(responses=SkillEntryOut(many=True))
    def get(self, request, skill_id: int):
        """The entries that show the skill, newest first."""
        skill = _own_skill(request, skill_id)
        sources = skill_link_sources(skill=skill)
        paginator = Pagination()
        page = paginator.paginate_queryset(skill_entries(skill=skill), request, view=self)
        for entry in page:
            entry.linked = sources.get(entry.pk, "extracted")
        return paginator.get_paginated_response(SkillEntryOut(page, many=True).data)

    @extend_schema(request=SkillLinkIn, responses={201: SkillOut})
    def post(self, request, skill_id: int):
        """Link one of your entries to the skill by hand."""
        skill = _own_skill(request, skill_id)
        given = SkillLinkIn(data=request.data)
        given.is_valid(raise_exception=True)
        entry = worklog_get(
            tenant=request.tenant, author=request.user, worklog_id=given.validated_data["worklog_id"]
        )
        if entry is None:
            raise serializers.ValidationError({"worklog_id": ["No entry of yours has this id."]})
        skill_link(skill=skill, entry=entry)
        return _skill_answer(request, skill_id, status_code=status.HTTP_201_CREATED)


class SkillEntryApi(TenantApi):
    @extend_schema(responses={204: None})
    def delete(self, request, skill_id: int, worklog_id: int):
        """Unlink an entry from the skill."""
        skill_unlink(skill=_own_skill(request, skill_id), entry=_own_entry(request, worklog_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
