"""/auth/register (included by sigmasight/urls.py beside accounts' /auth routes)."""

from portfolios.api.signup_views import RegisterView
from sigmasight.api.routing import route

urlpatterns = [route("register", RegisterView.as_view(), name="auth-register")]
