"""The employee's home page after a change of ratios (``templates/portal/_ratio_change.html``): a tag of
its own, so the home page's view does not change for it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from soxp_portal.offers.models import Employee, Offer
from soxp_portal.offers.ratios import ratio_change_notice

register = template.Library()


@register.inclusion_tag("portal/_ratio_change.html")
def ratio_change(offer: Offer, employee: Employee) -> dict[str, Any]:
    """The latest change of ratios that changed this employee's election, while it applies."""
    return {"offer": offer, "notice": ratio_change_notice(offer, employee, now=timezone.now())}
