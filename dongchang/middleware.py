from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class DefaultLanguageMiddleware:
    """Chinese for everyone unless they chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which
    on some office machines says English; the users expect Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class NoStoreMiddleware:
    """Nothing a signed-in user receives may be kept by a browser or a proxy cache.

    Profiles, lists, exports and downloaded documents carry personal data; on a shared
    office computer the browser's cache would otherwise keep them after logout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Read after the view: a login sets the user, a logout clears it.
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
