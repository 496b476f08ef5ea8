from accounts.api import token_views, views
from sigmasight.api.routing import route

urlpatterns = [
    route("login", views.LoginView.as_view(), name="auth-login"),
    route("refresh", views.RefreshView.as_view(), name="auth-refresh"),
    route("logout", views.LogoutView.as_view(), name="auth-logout"),
    route("me", views.MeView.as_view(), name="auth-me"),
    route("tokens", token_views.TokenListCreateView.as_view(), name="auth-tokens"),
    route("tokens/<uuid:id>", token_views.TokenDetailView.as_view(), name="auth-token-detail"),
]
