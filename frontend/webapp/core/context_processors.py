from django.conf import settings


def shell(request) -> dict:
    """What the application shell needs on every page."""
    from webapp.accounts.session import session_user

    backend = getattr(request, "backend", None)
    return {
        "current_user": session_user(request) if hasattr(request, "session") else None,
        "backend_is_unreachable": bool(backend and backend.is_unreachable),
        "api_docs_url": f"{settings.BACKEND_PUBLIC_URL}/api/docs/",
    }
