"""The imports' API (`/api/worklogs/imports/…`, worklogs/importing.py): a file previewed, and the
CSV template. Importing it is a job: `POST /api/worklogs/imports/` is served by jobs/apis_data.py."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from afterresume.tenants.apis import TenantApi
from afterresume.worklogs.importing import MAX_IMPORT_BYTES, PREVIEW_ROWS, import_preview
from afterresume.worklogs.imports import CSV_TEMPLATE, FORMATS


class ImportIn(serializers.Serializer):
    file = serializers.FileField(help_text=f"At most {MAX_IMPORT_BYTES // 2**20} MB, UTF-8.")
    format = serializers.ChoiceField(
        choices=list(FORMATS), help_text="csv, markdown, jrnl (its JSON export) or git."
    )
    git_author_email = serializers.EmailField(
        required=False, default="", help_text="git only: keep the commits of this author e-mail."
    )
    git_group = serializers.ChoiceField(
        choices=["day", "commit"],
        required=False,
        default="day",
        help_text="git only: one entry per day or per commit.",
    )

    def read(self) -> dict:
        data = self.validated_data
        return {
            "file_format": data["format"],
            "data": data["file"].read(MAX_IMPORT_BYTES + 1),
            "git_author_email": data["git_author_email"],
            "git_group": data["git_group"],
        }


class ImportRowOut(serializers.Serializer):
    line = serializers.IntegerField(help_text="Where the row starts in the file (jrnl: the entry's number).")
    date = serializers.DateField()
    content = serializers.CharField()
    employer = serializers.CharField()
    project = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())


class ImportErrorOut(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class ImportPreviewOut(serializers.Serializer):
    entries = serializers.IntegerField(help_text="Entries the file holds.")
    already_imported = serializers.IntegerField(help_text="Of those, imported before: an import skips them.")
    rows = ImportRowOut(many=True, help_text=f"The first {PREVIEW_ROWS}.")
    errors = ImportErrorOut(many=True, help_text="Rows that cannot be imported (the first 100).")
    error_count = serializers.IntegerField()


class WorkLogImportPreviewApi(TenantApi):
    """What importing the file would do; nothing is written."""

    parser_classes = (MultiPartParser,)

    @extend_schema(request={"multipart/form-data": ImportIn}, responses={200: ImportPreviewOut})
    def post(self, request):
        body = ImportIn(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(import_preview(author=request.user, **body.read()))


class WorkLogImportTemplateApi(TenantApi):
    """The CSV import's columns, with two example rows, as a file to fill in."""

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        response = HttpResponse(CSV_TEMPLATE, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="afterresume-import-template.csv"'
        return response
