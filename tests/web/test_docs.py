"""/docs in a real browser with the network off: Swagger UI comes from hall itself, and no page
of hall's breaks its own Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.web.conftest import NewPage, Server


def test_docs_render_with_the_network_off(server: Server, new_page: NewPage) -> None:
    page = new_page()
    elsewhere: list[str] = []

    def offline(route: object) -> None:
        request = route.request  # type: ignore[attr-defined]
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()  # type: ignore[attr-defined]
        else:  # an intranet without the internet
            elsewhere.append(request.url)
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", offline)
    page.goto(server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    shown = {  # an operation of two tags shows twice
        (block.locator(".opblock-summary-method").inner_text().lower(), block.get_attribute("id"))
        for block in page.locator(".opblock").all()
    }
    operations = {(method, block.rsplit("-", 1)[-1]) for method, block in shown if block}
    paths = server.get("/openapi.json")["paths"]
    ids = {(m, op["operationId"]) for methods in paths.values() for m, op in methods.items()}
    assert {op for _, op in operations} <= {op for _, op in ids}
    assert len({op for _, op in operations}) == len(ids)
    assert page.locator(".info .title").inner_text().startswith("hall")
    assert not elsewhere, f"/docs asked outside hall: {elsewhere}"
    # Console errors (a refused script or style among them) fail the test in new_page.


def test_no_page_breaks_its_content_security_policy(server: Server, new_page: NewPage) -> None:
    page = new_page()
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    for path in ("/", "/docs"):
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        if path == "/":
            page.locator("hall-guide .launcher").click()
            page.wait_for_timeout(500)
        assert page.evaluate("window.__violations") == [], path
