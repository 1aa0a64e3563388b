"""The menu links marked as where the user is, read from a page's HTML."""

import re

_LINK = re.compile(r'<a class="nav-link"(?: aria-current="(\w+)")? href="[^"]*">([^<]*)</a>')


def marked_links(html: str) -> dict[str, str]:
    """Each marked menu link's text and its ``aria-current`` value ("page" or "true")."""
    return {text: current for current, text in _LINK.findall(html) if current}


def menu_links(html: str) -> list[str]:
    """The text of every menu link, marked or not."""
    return [text for _, text in _LINK.findall(html)]
