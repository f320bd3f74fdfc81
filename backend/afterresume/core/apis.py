from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.core.selectors import health_checks, last_worker_ping


class HealthOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "failing"])
    failing = serializers.ListField(child=serializers.CharField())
    checks = serializers.DictField()
    worker = serializers.DictField(allow_null=True)


class HealthApi(APIView):
    """Database, cache and broker checks: 200 when all pass, 503 naming the failing ones."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        responses={
            200: OpenApiResponse(HealthOut, description="Database, cache and broker are ok."),
            503: OpenApiResponse(HealthOut, description="`failing` names what is not ok."),
        }
    )
    def get(self, request):
        checks = health_checks()
        failing = [name for name, result in checks.items() if not result.ok]
        body = HealthOut(
            {
                "status": "failing" if failing else "ok",
                "failing": failing,
                "checks": {name: result.as_dict() for name, result in checks.items()},
                "worker": {"last_ping": last_worker_ping()},
            }
        ).data
        response = Response(body, status=503 if failing else 200)
        response["Cache-Control"] = "no-store"
        return response
