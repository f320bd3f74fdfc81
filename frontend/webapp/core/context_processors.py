from django.conf import settings


def shell(request) -> dict:
    """What the application shell needs on every page."""
    backend = getattr(request, "backend", None)
    return {
        "backend_is_unreachable": bool(backend and backend.is_unreachable),
        "api_docs_url": f"{settings.BACKEND_PUBLIC_URL}/api/docs/",
    }
