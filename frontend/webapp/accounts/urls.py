from django.urls import path

from webapp.accounts import close_views, views

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
]
