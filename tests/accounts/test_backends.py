import pytest
from django.core.exceptions import ObjectDoesNotExist

from soxp_portal.accounts.backends import ModelBackend
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_signed_in_user_comes_with_their_employee_record(django_assert_num_queries) -> None:
    employee = EmployeeFactory()
    with django_assert_num_queries(1):
        user = ModelBackend().get_user(employee.user.pk)
        assert user.employee == employee


def test_a_login_without_an_employee_record_still_has_none() -> None:
    staff = UserFactory()
    user = ModelBackend().get_user(staff.pk)
    assert user == staff
    with pytest.raises(ObjectDoesNotExist):
        _ = user.employee


def test_an_inactive_or_deleted_login_is_nobody() -> None:
    employee = EmployeeFactory()
    employee.user.is_active = False
    employee.user.save(update_fields=["is_active"])
    assert ModelBackend().get_user(employee.user.pk) is None
    assert ModelBackend().get_user(10**9) is None
