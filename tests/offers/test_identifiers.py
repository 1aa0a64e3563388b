"""Identifiers: the census's rule, and the URL converter that carries any stored id."""

import pytest
from django.urls import Resolver404, resolve, reverse

from soxp_portal.offers.identifiers import IdentifierConverter, identifier_problem

ODD = ["E/3001", "E?3002", "E#3003", "E 3004", "..", ".", "É6", "E%41", "~E", "a" * 80]


@pytest.mark.parametrize("value", ["E1001", "e-1_2.3", "G-000001", "A.B", "_x", "9"])
def test_valid_identifiers_pass_and_travel_as_they_are(value: str) -> None:
    assert identifier_problem(value) is None
    assert IdentifierConverter().to_url(value) == value


@pytest.mark.parametrize("value", ODD)
def test_any_stored_identifier_round_trips_through_a_url(value: str) -> None:
    url = reverse("console:employee", args=["demo", value])
    segment = url.removeprefix("/console/offers/demo/employees/").removesuffix("/")
    assert segment.startswith("~")
    assert not set("/.%") & set(segment)
    assert resolve(url).kwargs["employee_id"] == value


@pytest.mark.parametrize("value", ODD[:-1])
def test_identifiers_a_url_cannot_carry_are_refused_by_the_rule(value: str) -> None:
    assert "is not an identifier" in identifier_problem(value)


def test_a_garbled_encoded_segment_does_not_resolve() -> None:
    with pytest.raises(Resolver404):
        resolve("/console/offers/demo/employees/~%FF/")
    with pytest.raises(Resolver404):
        resolve("/console/offers/demo/employees/~_w/")  # not valid UTF-8 once decoded


def test_an_encoded_segment_holding_a_nul_does_not_resolve() -> None:
    """No stored id holds a NUL, and PostgreSQL refuses one in a query: ``~AA`` (a NUL) is a 404."""
    with pytest.raises(Resolver404):
        resolve("/console/offers/demo/employees/~AA/")
    with pytest.raises(Resolver404):
        resolve("/console/offers/demo/employees/~RQBG/")  # "E", NUL, "F"


@pytest.mark.parametrize("segment", ["%00", "W4FUR%00", "x" * 33, "W4FUR-P5VUC%27", "%F0%9F%99%82"])
def test_a_confirmation_number_is_letters_digits_and_dashes(segment: str) -> None:
    for path in (
        f"/offers/demo/elections/{segment}/",
        f"/console/offers/demo/employees/E1/elections/{segment}/pdf/",
    ):
        with pytest.raises(Resolver404):
            resolve(path)
    assert resolve("/offers/demo/elections/W4FUR-P5VUC/").kwargs["confirmation"] == "W4FUR-P5VUC"
    assert resolve("/offers/demo/elections/TEST-000001/pdf/").kwargs["confirmation"] == "TEST-000001"
