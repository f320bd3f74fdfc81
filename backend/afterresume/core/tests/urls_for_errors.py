"""Routes that exist only in tests, to provoke each kind of error through the real stack."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class EchoApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    class Input(serializers.Serializer):
        title = serializers.CharField(max_length=10)

    def post(self, request):
        given = self.Input(data=request.data)
        given.is_valid(raise_exception=True)
        return Response(given.validated_data)


class BrokenApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        raise RuntimeError("boom")


class PrivateApi(APIView):
    def get(self, request):
        return Response({})


urlpatterns = [
    path("api/test/echo/", EchoApi.as_view()),
    path("api/test/broken/", BrokenApi.as_view()),
    path("api/test/private/", PrivateApi.as_view()),
    path("", include("config.urls")),
]
handler404 = "afterresume.core.errors.handler404"
handler500 = "afterresume.core.errors.handler500"
