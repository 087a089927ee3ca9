from django.urls import path

from accounts import views, views_basicui

app_name = "accounts"

urlpatterns = [
    path("login/", views.signin, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.signout, name="logout"),
    path("signing-out/", views.signing_out, name="signing_out"),
    path("signed-out/", views.signed_out, name="signed_out"),
    # The BasicUI handshake (accounts/services/basicui.py): where /accesstoken's page posts the token.
    path("accesstoken/token", views_basicui.accesstoken_accept, name="accesstoken_token"),
]
