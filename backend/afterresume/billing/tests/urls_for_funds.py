"""A route that exists only in tests: a workspace API view placing a hold, as the job system's
views will (docs/money.md: a request refused for funds answers 402 with the amount needed)."""

from django.urls import include, path
from rest_framework.response import Response

from afterresume.billing.ledger.holds import hold_place
from afterresume.tenants.apis import TenantApi


class PlaceHoldApi(TenantApi):
    def post(self, request):
        placed = hold_place(
            account_id=request.tenant.reserve.pk,
            estimate_micros=int(request.data["estimate_micros"]),
            idempotency_key=str(request.data["key"]),
        )
        return Response({"hold": placed.hold.pk}, status=201)


urlpatterns = [
    path("api/test/hold/", PlaceHoldApi.as_view()),
    path("", include("config.urls")),
]
