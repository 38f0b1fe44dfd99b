from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from dongchang.api import views
from dongchang.api.auth import TokenAuthentication

app_name = "api"

# The schema and its page: for a signed-in user of the site or a client's token.
_DOCS = {
    "authentication_classes": [SessionAuthentication, TokenAuthentication],
    "permission_classes": [IsAuthenticated],
}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**_DOCS), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html", **_DOCS
        ),
        name="docs",
    ),
    path("cadres/", views.CadreList.as_view(), name="cadres"),
    path("cadres/lookup/", views.CadreLookup.as_view(), name="cadre_lookup"),
    path("cadres/<int:pk>/", views.CadreDetail.as_view(), name="cadre"),
    path("changes/", views.ChangeFeed.as_view(), name="changes"),
    path("hits/", views.HitList.as_view(), name="hits"),
    path("cases/", views.CaseList.as_view(), name="cases"),
    path("structure/", views.StructureFigures.as_view(), name="structure"),
    path("warning-lights/", views.WarningLightList.as_view(), name="warning_lights"),
]
