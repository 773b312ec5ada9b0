from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("exports/", views.export_index, name="export_index"),
    path("exports/devices/", views.export_devices, name="export_devices"),
    path("exports/loans/", views.export_loans, name="export_loans"),
]

# The start page and the login keep names without a namespace: Django's LOGIN_URL and the
# redirects after login and logout name them.
session_urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
]
