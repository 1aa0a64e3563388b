"""The password backend: Django's ``ModelBackend``, reading a signed-in person's employee record with them.

Every employee page needs the signed-in user and their ``Employee`` row (``roles.employee_required``).
Django's backend loads the user alone and the page then asks for the employee, a second query on every
request; here the user is read with ``select_related("employee")`` (a LEFT JOIN on the one-to-one), so
``user.employee`` costs nothing more, and a staff account with no record still raises
``Employee.DoesNotExist`` as before.
"""

from __future__ import annotations

from django.contrib.auth import backends

from soxp_portal.accounts.models import User


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id: int) -> User | None:  # type: ignore[override]
        user = User.objects.select_related("employee").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
