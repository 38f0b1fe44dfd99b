from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from dongchang.api import views
from dongchang.api.auth import TokenAuthentication

app_name = "api"

# The schema and its page: for a client's token or a signed-in user of the site (the token's
# scheme first: a request with neither is answered 401 with its WWW-Authenticate).
_DOCS = {
    "authentication_classes": [TokenAuthentication, SessionAuthentication],
    "permission_classes": [IsAuthenticated],
}


def csrf_checked(view):
    """DRF exempts its views from CSRF (its session authentication checks it instead); the
    API has no write, so Django's middleware may refuse every POST without a token, as it
    does on every other page."""
    view.csrf_exempt = False
    return view


urlpatterns = [
    path("schema/", csrf_checked(SpectacularAPIView.as_view(**_DOCS)), name="schema"),
    path(
        "docs/",
        csrf_checked(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html", **_DOCS
            )
        ),
        name="docs",
    ),
    path("cadres/", csrf_checked(views.CadreList.as_view()), name="cadres"),
    path("cadres/lookup/", csrf_checked(views.CadreLookup.as_view()), name="cadre_lookup"),
    path("cadres/<int:pk>/", csrf_checked(views.CadreDetail.as_view()), name="cadre"),
    path("changes/", csrf_checked(views.ChangeFeed.as_view()), name="changes"),
    path("hits/", csrf_checked(views.HitList.as_view()), name="hits"),
    path("cases/", csrf_checked(views.CaseList.as_view()), name="cases"),
    path("structure/", csrf_checked(views.StructureFigures.as_view()), name="structure"),
    path("warning-lights/", csrf_checked(views.WarningLightList.as_view()), name="warning_lights"),
]
