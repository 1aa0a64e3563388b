"""Moving through a page with the keyboard, and whether the focused element shows that it has focus.

A focus indicator counts as visible when nothing is drawn over the focused element and it draws a
solid outline at least 2 px wide whose colour has a contrast of at least 3:1 (WCAG 1.4.11) against
what surrounds it: the background behind the outline, which is the element's own where the outline
is drawn inside it (a negative offset) and otherwise the nearest backgrounds of its ancestors,
composited over white.
"""

from dataclasses import dataclass

from playwright.sync_api import Page

MINIMUM_CONTRAST = 3.0
MINIMUM_WIDTH_PX = 2.0

_FOCUS = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) { return null; }
  const rgba = (text) => {
    const parts = text.match(/[\\d.]+/g).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const luminance = ({r, g, b}) => {
    const channel = (value) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const style = getComputedStyle(element);
  const width = parseFloat(style.outlineWidth) || 0;
  const inside = parseFloat(style.outlineOffset) <= -width;
  const layers = [];
  for (let node = inside ? element : element.parentElement; node; node = node.parentElement) {
    const background = rgba(getComputedStyle(node).backgroundColor);
    if (background.a > 0) { layers.push(background); }
    if (background.a === 1) { break; }
  }
  let behind = {r: 255, g: 255, b: 255, a: 1};
  for (const layer of layers.reverse()) { behind = over(layer, behind); }
  const outline = over(rgba(style.outlineColor), behind);
  const [light, dark] = [luminance(outline), luminance(behind)].sort((x, y) => y - x);
  // Whether anything is drawn over the middle of the element (of its first line, for a link that
  // wraps); the focus has scrolled it into view.
  const box = element.getClientRects()[0] || element.getBoundingClientRect();
  const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const label = (element.getAttribute("aria-label") || element.innerText || element.value || "")
    .replace(/\\s+/g, " ").trim();
  return {
    element: element.tagName.toLowerCase()
      + (element.id ? "#" + element.id : "")
      + (element.name ? "[name=" + element.name + "]" : "")
      + (element.type && element.tagName === "INPUT" ? "[type=" + element.type + "]" : "")
      + (element.hasAttribute("aria-current") ? "[aria-current=" + element.getAttribute("aria-current") + "]" : "")
      + (label ? ' "' + label.slice(0, 40) + '"' : ""),
    outlineStyle: style.outlineStyle,
    outlineWidth: width,
    outlineColor: style.outlineColor,
    background: `rgb(${Math.round(behind.r)}, ${Math.round(behind.g)}, ${Math.round(behind.b)})`,
    contrast: (light + 0.05) / (dark + 0.05),
    coveredBy: top === null || element.contains(top) ? "" : top.tagName.toLowerCase() + "." + top.className,
  };
}"""


@dataclass(frozen=True)
class Focus:
    """The focused element and its focus indicator."""

    element: str
    outline_style: str
    outline_width: float
    outline_color: str
    background: str
    contrast: float
    covered_by: str  # what is drawn over the element, if anything

    @property
    def is_visible(self) -> bool:
        return (
            not self.covered_by
            and self.outline_style not in {"none", "hidden", "auto"}
            and self.outline_width >= MINIMUM_WIDTH_PX
            and self.contrast >= MINIMUM_CONTRAST
        )

    def __str__(self) -> str:
        covered = f", covered by {self.covered_by}" if self.covered_by else ""
        return (
            f"{self.element}: outline {self.outline_style} {self.outline_width:g}px {self.outline_color}"
            f" on {self.background}, contrast {self.contrast:.2f}:1{covered}"
        )


def focused(page: Page) -> Focus | None:
    """The element that has focus now, or None when nothing has."""
    found = page.evaluate(_FOCUS)
    if found is None:
        return None
    return Focus(
        element=found["element"],
        outline_style=found["outlineStyle"],
        outline_width=found["outlineWidth"],
        outline_color=found["outlineColor"],
        background=found["background"],
        contrast=found["contrast"],
        covered_by=found["coveredBy"],
    )


class Keyboard:
    """Moves the focus with Tab alone, checking the focus indicator at every stop on the way."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.stops: list[Focus] = []
        # Bootstrap scrolls smoothly unless the reader asks for reduced motion: a focus stop measured while
        # the page still glides towards it can find another element at its place (a flaky "covered by").
        # Where the focus ends up, and how it shows, is the same either way.
        page.emulate_media(reduced_motion="reduce")

    @property
    def invisible(self) -> list[Focus]:
        return [stop for stop in self.stops if not stop.is_visible]

    def tab_to(self, selector: str, *, limit: int = 60) -> None:
        """Presses Tab until an element matching the CSS selector has focus."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            stop = focused(self.page)
            if stop is not None:
                self.stops.append(stop)
            if self.page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
                return
        raise AssertionError(f"{limit} presses of Tab never reached {selector} on {self.page.url}")

    def tab_through(self, *, limit: int = 300) -> None:
        """Presses Tab from where the focus is until it leaves the page, stopping at every element."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            stop = focused(self.page)
            if stop is None:
                return
            self.stops.append(stop)
        raise AssertionError(f"{limit} presses of Tab never left {self.page.url}")

    def choose(self, name: str, value: str, *, limit: int = 10) -> None:
        """Chooses a radio button as a keyboard user does: Tab into its group, then the arrow keys."""
        self.tab_to(f"input[type=radio][name='{name}']")
        for _ in range(limit):
            if self.page.evaluate("() => document.activeElement.value") == value:
                self.page.keyboard.press("Space")
                return
            self.page.keyboard.press("ArrowRight")
            stop = focused(self.page)
            if stop is not None:
                self.stops.append(stop)
        raise AssertionError(f"The arrow keys never reached {name}={value} on {self.page.url}")

    def report(self) -> str:
        invisible = "\n".join(f"  {stop}" for stop in self.invisible)
        return f"{len(self.invisible)} of {len(self.stops)} focus stops without a visible focus:\n{invisible}"
