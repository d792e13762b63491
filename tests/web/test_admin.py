"""The back office in headless Chromium against a live ``hall serve`` on the demo catalogue:
sign in, teach the guide a question and see the citizen's widget answer it; axe-core on every
page; sign-in, edit, preview and audit by keyboard alone; 200 % zoom; a screenshot of each page
(``test-artifacts/web/admin-*.png``, kept by CI)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import NewPage, Server
from tests.web.pages import ask, axe, expect, open_widget, serious

pytestmark = pytest.mark.browser

ADMIN, ADMIN_PASSWORD = "ann", "ann's long password"
EDITOR, EDITOR_PASSWORD = "ed", "ed's long password"


@pytest.fixture(scope="session")
def accounts(server: Server) -> dict[str, str]:
    existing = server.hall("users", "list")
    for name, role, password in (
        (ADMIN, "admin", ADMIN_PASSWORD),
        (EDITOR, "editor", EDITOR_PASSWORD),
    ):
        if f" {name} " not in existing and f"│ {name}" not in existing:
            server.hall("users", "add", name, "--role", role, "--password-stdin", stdin=password)
    return {ADMIN: ADMIN_PASSWORD, EDITOR: EDITOR_PASSWORD}


def sign_in(
    page: Any, server: Server, name: str, password: str, *, target: str = "/admin/"
) -> None:
    page.goto(server.url + target)
    expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(server.url + target)


def test_sign_in_teach_a_question_and_the_widget_answers_it(
    server: Server, accounts: dict[str, str], new_page: NewPage, artifacts: Path
) -> None:
    question = "屋里头要添个小娃娃咋个登记"
    page = new_page()
    sign_in(page, server, EDITOR, accounts[EDITOR])
    page.get_by_role("navigation", name="后台导航").get_by_role("link", name="事项").click()
    page.get_by_label("关键字").fill("生育登记")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name="HD-0101").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("生育登记")

    page.get_by_label("新问法").fill(question)
    page.get_by_role("button", name="添加问法").click()
    expect(page.get_by_role("status")).to_contain_text("已添加问法")
    expect(page.get_by_role("cell", name=question, exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts / "admin-question-added.png"), full_page=True)

    citizen = new_page()
    open_widget(citizen, server.url + "/")
    deadline = 5.0
    reply = ask(citizen, question)
    waited = 0.0
    while reply.get_attribute("data-decision") != "answer" and waited < deadline:
        citizen.wait_for_timeout(500)
        waited += 0.5
        reply = ask(citizen, question)
    expect(reply).to_have_attribute("data-decision", "answer")
    expect(reply.locator(".card")).to_have_attribute("data-code", "HD-0101")

    page.get_by_role("link", name="审计日志").click()
    first = page.locator("table tbody tr").first
    expect(first).to_contain_text(EDITOR)
    expect(first).to_contain_text("添加问法")


#: Every page of the back office, as an admin sees it (``{code}``: a FAQ entry made first).
PAGES = {
    "home": "/admin/",
    "insight": "/admin/insight",
    "history": "/admin/history",
    "console": "/admin/console?q=驾照丢了咋整",
    "matters": "/admin/matters",
    "matter": "/admin/matters/HD-0101",
    "matter-new": "/admin/matters/new",
    "questions": "/admin/questions",
    "faq": "/admin/faq",
    "faq-new": "/admin/faq/new",
    "lexicons": "/admin/lexicons",
    "lexicon": "/admin/lexicons/synonyms",
    "import": "/admin/import",
    "persona": "/admin/persona",
    "hall": "/admin/hall",
    "users": "/admin/users",
    "audit": "/admin/audit",
}


def _no_serious(page: Any, source: str, name: str) -> None:
    found = serious(axe(page, source))
    assert not found, f"{name}: " + "\n".join(found)


def test_every_admin_page_passes_axe(
    server: Server,
    accounts: dict[str, str],
    new_page: NewPage,
    axe_source: str,
    artifacts: Path,
) -> None:
    page = new_page(tolerate=(404, 422))
    page.goto(server.url + "/admin/login")
    _no_serious(page, axe_source, "login")
    page.screenshot(path=str(artifacts / "admin-login.png"), full_page=True)
    sign_in(page, server, ADMIN, accounts[ADMIN])
    # The dashboard's chart: Chart.js from the package draws on the home page's canvas.
    page.wait_for_function("() => window.Chart && window.Chart.getChart('chart-days')")
    for name, path in PAGES.items():
        page.goto(server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        _no_serious(page, axe_source, name)
        page.screenshot(path=str(artifacts / f"admin-{name}.png"), full_page=True)

    # The states a page shows after an action: a lexicon diff, an import preview, an audit entry,
    # a refused form, a page the role may not see.
    page.goto(server.url + "/admin/lexicons/particles")
    area = page.get_by_label(re.compile("语气词"))
    area.fill(area.input_value() + "嗦\n")
    page.get_by_role("button", name="预览修改").click()
    expect(page.get_by_role("heading", name=re.compile("修改预览"))).to_be_visible()
    _no_serious(page, axe_source, "lexicon diff")
    page.screenshot(path=str(artifacts / "admin-lexicon-diff.png"), full_page=True)

    page.goto(server.url + "/admin/import")
    page.get_by_label(re.compile("^文件")).set_input_files(
        files=[
            {
                "name": "one.jsonl",
                "mimeType": "application/json",
                "buffer": '{"code": "WEB-1", "title": "网页导入测试"}\n'.encode(),
            }
        ]
    )
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name=re.compile("预览"))).to_be_visible()
    _no_serious(page, axe_source, "import preview")
    page.screenshot(path=str(artifacts / "admin-import-preview.png"), full_page=True)

    page.goto(server.url + "/admin/audit")
    page.get_by_role("link", name=re.compile("^查看记录")).first.click()
    expect(page.get_by_role("heading", name="修改前")).to_be_visible()
    _no_serious(page, axe_source, "audit entry")
    page.screenshot(path=str(artifacts / "admin-audit-entry.png"), full_page=True)

    page.goto(server.url + "/admin/matters/new")
    page.get_by_label("事项编码（必填）").fill("WEB-2")
    page.get_by_label("事项名称（必填）").fill("x" * 10)
    page.get_by_label("收费标准").fill("\u0007")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _no_serious(page, axe_source, "refused form")

    page.goto(server.url + "/admin/matters/NO-SUCH")
    expect(page.get_by_role("alert")).to_be_visible()
    _no_serious(page, axe_source, "not found")


def _tab_to(page: Any, predicate: str, *, limit: int = 80) -> dict[str, Any]:
    """Press Tab until the focused element satisfies ``predicate`` (a JS expression on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        found: dict[str, Any] | None = page.evaluate(
            f"""() => {{
                const el = document.activeElement;
                if (!el || !({predicate})) return null;
                const style = getComputedStyle(el);
                return {{tag: el.tagName.toLowerCase(), outline: style.outlineStyle}};
            }}"""
        )
        if found:
            assert found["outline"] != "none", "the focused element shows no focus ring"
            return found
    raise AssertionError(f"Tab never reached {predicate}")


def test_sign_in_edit_preview_and_audit_by_keyboard_alone(
    server: Server, accounts: dict[str, str], new_page: NewPage
) -> None:
    page = new_page()
    page.goto(server.url + "/admin/hall")
    _tab_to(page, "el.id === 'username'")
    page.keyboard.type(EDITOR)
    page.keyboard.press("Tab")
    page.keyboard.type(accounts[EDITOR])
    page.keyboard.press("Enter")
    expect(page).to_have_url(server.url + "/admin/hall")

    # Edit: the hall's phone, saved with Enter.
    _tab_to(page, "el.id === 'h-phone'")
    page.keyboard.press("Control+A")
    page.keyboard.type("0755-12345678")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("已保存。")
    expect(page.get_by_label("咨询电话")).to_have_value("0755-12345678")

    # Preview: a state's look in the persona page, chosen with the arrow keys.
    page.goto(server.url + "/admin/persona")
    preview = page.locator("#persona-preview")
    _tab_to(page, "el.id === 'e-apologising'")  # shipped: sorry, the last expression
    page.keyboard.press("ArrowUp")
    expect(preview).to_have_attribute("src", re.compile(r"expression=puzzled&gesture=bow"))
    expect(preview).to_have_attribute("alt", re.compile("致歉（疑惑，鞠躬）"))

    # Preview and save a lexicon's text.
    page.goto(server.url + "/admin/lexicons/stopwords")
    _tab_to(page, "el.id === 'bank-text'")
    page.keyboard.press("Control+End")
    page.keyboard.type("测试停用词\n")
    _tab_to(page, "el.textContent.trim() === '预览修改'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("新增 1 条"))).to_be_visible()
    _tab_to(page, "el.textContent.trim() === '确认保存'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("词库已保存")

    # Audit: open the newest entry and read its before and after.
    page.goto(server.url + "/admin/audit")
    _tab_to(
        page,
        "el.getAttribute('aria-label') && el.getAttribute('aria-label').startsWith('查看记录')",
    )
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="修改后")).to_be_visible()
    expect(page.locator("main")).to_contain_text("测试停用词")


def test_pages_read_at_200_percent_zoom(
    server: Server, accounts: dict[str, str], new_page: NewPage, artifacts: Path
) -> None:
    """1280x800 at 200 % zoom: a 640x400 CSS-pixel viewport at scale 2, with no sideways
    scrolling on any page."""
    page = new_page(640, 400, device_scale_factor=2)
    sign_in(page, server, ADMIN, accounts[ADMIN])
    for name, path in PAGES.items():
        page.goto(server.url + path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} scrolls sideways by {overflow} px at 200 % zoom"
    page.goto(server.url + "/admin/matters/HD-0101")
    page.screenshot(path=str(artifacts / "admin-zoom-200.png"))


def test_an_admin_clears_the_top_cluster_and_the_widget_answers(
    server: Server, accounts: dict[str, str], new_page: NewPage, artifacts: Path
) -> None:
    """Citizens ask what the guide cannot answer; an editor teaches the top cluster from the
    insight page; the widget then answers one of its questions."""
    questions = ["蓝皮本本咋个弄", "蓝皮本本去哪里弄", "蓝皮本本要带啥"]
    citizen = new_page()
    open_widget(citizen, server.url + "/")
    for question in questions:
        ask(citizen, question)  # declined, or a "did you mean" the citizen leaves

    page = new_page()
    sign_in(page, server, EDITOR, accounts[EDITOR], target="/admin/insight")
    page.get_by_role("button", name="重新分析").click()
    expect(page.get_by_role("status")).to_contain_text("已重新分析")
    top = page.locator("section.cluster", has_text=questions[0])
    for question in questions:
        expect(top.get_by_text(question, exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts / "admin-insight-cluster.png"), full_page=True)
    top.get_by_label("归入事项").fill("HD-0408")
    top.get_by_role("button", name="作为该事项的问法").click()
    expect(page.get_by_role("status")).to_contain_text("已教会导办员")
    expect(page.get_by_text("蓝皮本本咋个弄", exact=True)).to_have_count(0)

    widget = new_page()
    open_widget(widget, server.url + "/")
    reply = ask(widget, "蓝皮本本去哪里弄")
    waited = 0
    while not reply.locator(".card").count() and waited < 10:  # live within seconds
        widget.wait_for_timeout(500)
        waited += 1
        reply = ask(widget, "蓝皮本本去哪里弄")
    expect(reply.locator(".card")).to_have_attribute("data-code", "HD-0408")
