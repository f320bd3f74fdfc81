import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from afterresume.accounts.models import User


def test_email_is_the_login_and_any_casing_signs_in(db):
    User.objects.create_user("Ada@Example.COM", "correct horse battery staple")

    user = authenticate(username="ADA@example.com", password="correct horse battery staple")

    assert user is not None
    assert user.email == "ada@example.com"


def test_two_accounts_cannot_share_an_email_in_any_casing(db):
    User.objects.create_user("ada@example.com", "x" * 12)

    with pytest.raises((ValidationError, IntegrityError)):
        User.objects.create_user("ADA@example.com", "y" * 12)
    assert User.objects.count() == 1


def test_the_database_itself_refuses_a_case_variant_duplicate(db):
    User.objects.create_user("ada@example.com", "x" * 12)

    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="ADA@EXAMPLE.COM")])


def test_an_invalid_email_is_refused(db):
    with pytest.raises(ValidationError) as error:
        User.objects.create_user("not-an-email", "x" * 12)
    assert "email" in error.value.message_dict
    assert not User.objects.exists()


def test_new_users_are_not_staff(db):
    user = User.objects.create_user("ada@example.com", "x" * 12)

    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
