"""The menus' current-page mark, shared by the employee menu and the console's."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def aria_current(context: template.Context, url: str, *section: str) -> SafeString | str:
    """The attribute that marks a menu link as where the user is, for screen readers and the menu's style.

    ``aria-current="page"`` on the link to the page shown; ``aria-current="true"`` on the link whose
    section the page belongs to, named by its URL names in ``section`` (an employee's page under
    "Employees", a close step under "Close"); nothing on the other links.
    """
    request = context.get("request")
    if request is None:
        return ""
    if request.path == url:
        return format_html(' aria-current="{}"', "page")
    match = request.resolver_match
    if match is not None and match.view_name in section:
        return format_html(' aria-current="{}"', "true")
    return ""
