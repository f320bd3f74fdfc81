ME = {
    "user": {
        "id": 7,
        "email": "ada@example.com",
        "display_name": "Ada L.",
        "time_zone": "Asia/Tokyo",
        "is_staff": False,
    },
    "tenant": {"id": 3, "name": "Ada's workspace"},
    "role": "owner",
}


def test_saving_name_and_time_zone_patches_the_backend_and_refreshes_the_session(backend, signed_in):
    backend.expect_request(
        "/api/me/", method="PATCH", json={"display_name": "Ada L.", "time_zone": "Asia/Tokyo"}
    ).respond_with_json(ME["user"])
    backend.expect_request("/api/me/", method="GET").respond_with_json(ME)

    response = signed_in.post("/profile/details/", {"display_name": "Ada L.", "time_zone": "Asia/Tokyo"})

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    assert signed_in.session["user"]["time_zone"] == "Asia/Tokyo"
    assert signed_in.session["user"]["display_name"] == "Ada L."


def test_an_unknown_time_zone_is_refused_before_asking_the_backend(backend, signed_in):
    backend.expect_request("/api/me/tokens/").respond_with_json([])

    response = signed_in.post("/profile/details/", {"display_name": "Ada", "time_zone": "Mars/Olympus"})

    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert [entry[0].method for entry in backend.log] == ["GET"]  # only the token list for the page


def test_the_signup_form_carries_a_time_zone_field_for_the_browser_to_fill(client, db):
    page = client.get("/signup/").content.decode()

    assert '<input type="hidden" name="time_zone" data-browser-time-zone' in page


def test_the_portal_button_sends_an_owner_to_stripe(backend, signed_in):
    backend.expect_request("/api/billing/portal/session/", method="POST").respond_with_json(
        {"url": "https://billing.stripe.com/p/session/bps_1"}, status=201
    )

    response = signed_in.post("/billing/portal/")

    assert response.status_code == 302
    assert response["Location"] == "https://billing.stripe.com/p/session/bps_1"


def test_the_portal_explains_when_payments_are_simulated(backend, signed_in):
    backend.expect_request("/api/billing/portal/session/", method="POST").respond_with_json(
        {
            "message": "The customer portal needs Stripe; payments are simulated or not configured here.",
            "extra": {},
            "request_id": "req-portal",
        },
        status=503,
    )

    response = signed_in.post("/billing/portal/", follow=False)

    assert response.status_code == 302
    assert response["Location"] == "/billing/"
