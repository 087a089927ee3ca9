from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.signin, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.signout, name="logout"),
    path("signed-out/", views.signed_out, name="signed_out"),
]
