from django.urls import path

from webapp.accounts import close_views, security_views, views

app_name = "accounts"
urlpatterns = [
    path("signin/", views.signin, name="signin"),
    path("signup/", views.signup, name="signup"),
    path("signout/", views.signout, name="signout"),
    path("password/reset/", views.password_reset_request, name="password_reset"),
    path("password/reset/<str:key>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("profile/", views.profile, name="profile"),
    path("profile/details/", views.profile_update, name="profile_update"),
    path("profile/password/", views.password_change, name="password_change"),
    path("profile/close/", close_views.close_account, name="close"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    # Second factors and security keys (security_views.py).
    path("signin/second-step/", security_views.second_factor, name="second_factor"),
    path(
        "signin/second-step/key/options/",
        security_views.second_factor_key_options,
        name="second_factor_key_options",
    ),
    path("signin/second-step/key/", security_views.second_factor_key, name="second_factor_key"),
    path("signin/key/options/", security_views.key_signin_options, name="key_signin_options"),
    path("signin/key/", security_views.key_signin, name="key_signin"),
    path("profile/security/", security_views.security, name="security"),
    path("profile/security/confirm/", security_views.security_confirm, name="security_confirm"),
    path("profile/security/authenticator-app/", security_views.totp_setup, name="totp_setup"),
    path("profile/security/authenticator-app/remove/", security_views.totp_disable, name="totp_disable"),
    path("profile/security/recovery-codes/", security_views.recovery_codes_regenerate, name="recovery_codes"),
    path("profile/security/keys/add/", security_views.key_add_page, name="key_add"),
    path("profile/security/keys/add/options/", security_views.key_add_options, name="key_add_options"),
    path("profile/security/keys/add/save/", security_views.key_add, name="key_add_save"),
    path("profile/security/keys/<int:key_id>/remove/", security_views.key_remove, name="key_remove"),
]
