"""The OpenAPI schema documents the refusals as well as the answers (drf-spectacular).

Every operation gets the one error shape (core.errors) for each refusal it can meet, found from
what the view is, so that no view has to list them by hand:

- 400 when it reads a body or the query string (malformed JSON, a field or filter not valid);
- 401 when it needs a signed-in caller or a token; 403 when, signed in, the caller can still be
  refused (operators only, a workspace needed, owners only);
- 404 when its path names something (someone else's is not found either) or it pages a list
  (a page or cursor that is not there);
- 429 for writes, which are limited per token.

Refusals a view meets beyond these (402 for work the reserve cannot cover, 409, 503) are declared
on the view with `responses={402: ERROR}`: the same component."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated


class ErrorExtraOut(serializers.Serializer):
    fields = serializers.DictField(
        required=False,
        help_text="Validation errors only: each field's name with the list of what is wrong with it.",
    )
    needed_micros = serializers.IntegerField(
        required=False, help_text="402: how much more the reserve needs."
    )
    needed_dollars = serializers.CharField(
        required=False, help_text="402: the same in dollars, rounded up to the cent: what to top up."
    )
    available_micros = serializers.IntegerField(
        required=False, help_text="402: what the reserve has available now."
    )
    estimate_micros = serializers.IntegerField(
        required=False, help_text="402 under the `limited` policy: the job's estimate."
    )
    ceiling_micros = serializers.IntegerField(
        required=False, help_text="402 under the `limited` policy: the workspace's limit per job."
    )
    job_id = serializers.IntegerField(
        required=False, help_text="402 on starting a job: the job, recorded as refused."
    )
    rows = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="400 on an import: each refused row as {line, message} (nothing was imported).",
    )


class ErrorOut(serializers.Serializer):
    """The one error shape of the API; `extra` may carry more facts a client can act on (e.g.
    `needed_micros` and `needed_dollars` on a 402)."""

    message = serializers.CharField(help_text="One sentence for people; names the first invalid field.")
    extra = ErrorExtraOut()
    request_id = serializers.CharField(help_text="Also in the X-Request-ID header: quote it in a report.")


ERROR = ErrorOut

DESCRIPTIONS = {
    "400": "The body or a query parameter is not valid (an empty filter included: leave it out).",
    "401": "No valid token or session: sign in, or send `Authorization: Token <key>`.",
    "402": "The reserve cannot cover this: `extra` says how much to top up.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found (or not yours), or a page or cursor that is not there.",
    "409": "This conflicts with an earlier request (e.g. an idempotency key reused differently).",
    "429": "Too many requests: wait the `Retry-After` seconds.",
    "503": "Not available on this server right now.",
}
TOO_LONG = "The address is longer than the server accepts (4,094 bytes in all): shorten the filters."
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


class AutoSchema(SpectacularAutoSchema):
    def get_description(self) -> str:
        # drf-spectacular falls back on a base class's docstring: TenantApi's, which is about our
        # code, would describe every workspace operation. Only a view's own docstring describes it.
        own = type(self.view).__dict__.get("__doc__")
        method = getattr(self.view, self.method.lower(), None)
        return super().get_description() if own or getattr(method, "__doc__", None) else ""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self._refusals(operation):
            if status not in responses:
                responses[status] = self._get_response_for_code(ERROR, status)
        if any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
            # gunicorn's own answer, before Django: the schema's lengths count characters, and a
            # few hundred non-ASCII ones percent-encoded pass its 4,094-byte request line.
            responses.setdefault("414", {"description": TOO_LONG})
        for status, response in responses.items():
            if status in DESCRIPTIONS and not response.get("description"):
                response["description"] = DESCRIPTIONS[status]
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _refusals(self, operation: dict) -> list[str]:
        parameters = operation.get("parameters", [])
        permissions = self.view.get_permissions()
        needs_caller = bool(self.view.get_authenticators()) and not all(
            isinstance(permission, AllowAny) for permission in permissions
        )
        refusals = []
        if (self.method in BODY_METHODS and "requestBody" in operation) or any(
            parameter["in"] == "query" for parameter in parameters
        ):
            refusals.append("400")
        if needs_caller:
            refusals.append("401")
            if _is_tenant_api(self.view) or any(
                not isinstance(permission, (IsAuthenticated, AllowAny)) for permission in permissions
            ):
                refusals.append("403")
        if any(parameter["in"] == "path" for parameter in parameters) or (
            self._is_list_view() and self._get_paginator() is not None
        ):
            refusals.append("404")
        if needs_caller and self.method in WRITE_METHODS and self.view.get_throttles():
            refusals.append("429")
        return refusals


def _is_tenant_api(view) -> bool:
    """Whether the view is a TenantApi (a 403 for a caller without a workspace), named rather than
    imported: tenants.apis uses this module, so importing it back would make a cycle."""
    return any(
        cls.__module__ == "afterresume.tenants.apis" and cls.__name__ == "TenantApi"
        for cls in type(view).__mro__
    )
