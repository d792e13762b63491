"""What the browser tests do with the widget, in the words of its page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import REQUIRE

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:  # pragma: no cover - depends on the machine
    if REQUIRE:
        raise
    pytest.skip("Playwright for Python is not installed", allow_module_level=True)

__all__ = ["ask", "axe", "deep_focus", "expect", "open_widget", "replies", "serious"]

#: Replies of the guide, not the "looking it up" placeholder.
REPLIES = "hall-guide .log > .msg.guide:not(.pending)"

DEEP_FOCUS = """() => {
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  if (!active) return null;
  const style = getComputedStyle(active);
  return {
    tag: active.tagName.toLowerCase(),
    id: active.id,
    cls: active.className && active.className.baseVal === undefined ? active.className : "",
    text: (active.textContent || "").trim(),
    role: active.getAttribute("role"),
    outline: style.outlineStyle + " " + style.outlineWidth,
    inWidget: active.getRootNode() !== document,
  };
}"""


def replies(page: Page) -> Locator:
    return page.locator(REPLIES)


def open_widget(page: Page, url: str) -> Locator:
    """Load the page, open the guide with its launcher, and return the welcome reply."""
    page.goto(url)
    page.locator("hall-guide .launcher").click()
    welcome = replies(page).first
    expect(welcome).to_have_attribute("data-decision", "welcome")
    return welcome


def ask(page: Page, text: str, *, keyboard: bool = False) -> Locator:
    """Type ``text`` into the guide and send it; returns the guide's reply."""
    before = replies(page).count()
    box = page.locator("hall-guide #hall-input")
    if keyboard:
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    else:
        box.fill(text)
        box.press("Enter")
    expect(replies(page)).to_have_count(before + 1)
    return replies(page).nth(before)


def deep_focus(page: Page) -> dict[str, Any]:
    """The focused element, looking into the widget's shadow root."""
    focused: dict[str, Any] = page.evaluate(DEEP_FOCUS)
    return focused


def axe(page: Page, source: str, **options: Any) -> dict[str, Any]:
    """Run axe-core on the page (open shadow roots included) and return its results."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # Evaluated by the test, not added as an inline <script>: hall's pages forbid those.
        page.evaluate(f"() => {{ {source}\n }}")
    results: dict[str, Any] = page.evaluate(
        "options => axe.run(document, options)",
        {"resultTypes": ["violations"], **options},
    )
    return results


def serious(results: dict[str, Any]) -> list[str]:
    """The serious and critical violations, one readable line each."""
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + "; ".join(" > ".join(map(str, n["target"])) for n in v["nodes"][:3])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
