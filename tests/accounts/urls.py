"""A URLConf for the accounts tests: the real accounts URLs, a stand-in home page and test pages
behind each role decorator."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from soxp_portal.accounts.roles import EmployeeRequest, Role, employee_required, role_required


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


@employee_required
def employee_page(request: EmployeeRequest) -> HttpResponse:
    return HttpResponse(f"employee {request.employee.employee_id}")


@role_required(Role.STOCK_ADMINISTRATOR)
def administrator_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("administrator page")


@role_required(Role.STOCK_ADMINISTRATOR, Role.AUDITOR)
def console_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("console page")


urlpatterns = [
    path("accounts/", include("soxp_portal.accounts.urls")),
    path("", home, name="home"),
    path("test/employee/", employee_page, name="test-employee"),
    path("test/administrator/", administrator_page, name="test-administrator"),
    path("test/console/", console_page, name="test-console"),
]
