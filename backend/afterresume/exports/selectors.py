from django.db.models import QuerySet

from afterresume.accounts.models import User
from afterresume.exports.models import DataExport
from afterresume.tenants.models import Tenant


def export_list(*, tenant: Tenant, author: User) -> QuerySet[DataExport]:
    """The person's exports, newest first (private to their author)."""
    return DataExport.objects.private_to(tenant=tenant, author=author).order_by("-created_at", "-id")


def export_get(*, tenant: Tenant, author: User, export_id: int) -> DataExport | None:
    return export_list(tenant=tenant, author=author).filter(pk=export_id).first()
