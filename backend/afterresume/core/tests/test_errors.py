import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.urls("afterresume.core.tests.urls_for_errors")


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "extra", "request_id"}
    assert body["message"]
    assert body["request_id"] == response["X-Request-ID"]
    return body


def test_validation_error_names_each_field(api_client):
    response = api_client.post("/api/test/echo/", {"title": "far too long a title"}, format="json")

    body = assert_error_shape(response, 400)
    assert body["extra"]["fields"] == {"title": ["Ensure this field has no more than 10 characters."]}
    assert "Ensure this field has no more than 10 characters." in body["message"]


def test_malformed_json_is_a_400_in_the_same_shape(api_client):
    response = api_client.generic("POST", "/api/test/echo/", "{not json", content_type="application/json")

    body = assert_error_shape(response, 400)
    assert "JSON parse error" in body["message"]


def test_unknown_api_path_is_a_json_404(api_client):
    body = assert_error_shape(api_client.get("/api/no-such-thing/"), 404)
    assert body["message"] == "Not found."


def test_wrong_method_is_a_405_in_the_same_shape(api_client):
    body = assert_error_shape(api_client.delete("/api/test/echo/"), 405)
    assert body["message"] == 'Method "DELETE" not allowed.'


def test_anonymous_call_to_a_private_endpoint_is_refused_in_the_same_shape(api_client):
    body = assert_error_shape(api_client.get("/api/test/private/"), 401)
    assert body["message"] == "Authentication credentials were not provided."


def test_unexpected_error_is_a_500_in_the_same_shape_without_internals():
    client = APIClient(raise_request_exception=False)

    body = assert_error_shape(client.get("/api/test/broken/"), 500)
    assert "boom" not in body["message"]
    assert "request id" in body["message"]


# --- the run command's DEBUG (config/settings/dev.py) answers JSON under /api/ too ------------------


def test_unknown_api_path_is_a_json_404_with_debug_on(api_client, settings):
    settings.DEBUG = True

    body = assert_error_shape(api_client.get("/api/no-such-thing/"), 404)
    assert body["message"] == "Not found."


def test_unexpected_error_is_a_json_500_with_debug_on(settings):
    settings.DEBUG = True
    client = APIClient(raise_request_exception=False)

    body = assert_error_shape(client.get("/api/test/broken/"), 500)
    assert "boom" not in body["message"]
    assert "request id" in body["message"]


def test_outside_the_api_debug_pages_stay_as_django_makes_them(api_client, settings):
    settings.DEBUG = True

    response = api_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
