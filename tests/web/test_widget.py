"""The chat widget in headless Chromium against a live ``hall serve`` on the demo catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import NewPage, Server
from tests.web.pages import ask, axe, deep_focus, expect, open_widget, replies, serious

pytestmark = pytest.mark.browser

ART = "hall-guide .stage svg"
BIRTH = {"HD-0101", "HD-0102"}  # 生育登记, 生育第二个子女许可申请
CARD = "hall-guide .card"


def art(page: Any) -> tuple[str | None, str | None]:
    svg = page.locator(ART)
    return svg.get_attribute("data-expression"), svg.get_attribute("data-gesture")


# -- the conversation -------------------------------------------------------------------


def test_the_guide_welcomes_with_a_wave(server: Server, new_page: NewPage) -> None:
    page = new_page()
    page.goto(server.url + "/")
    launcher = page.locator("hall-guide .launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_contain_text("小政")  # the name from /api/persona
    launcher.click()

    welcome = replies(page).first
    expect(welcome).to_have_attribute("data-decision", "welcome")
    expect(page.locator("hall-guide #hall-title")).to_have_text("导办员 小政")
    assert art(page) == ("smile", "wave")
    # the new reply is announced politely
    live = page.locator("hall-guide [aria-live=polite]")
    expect(live).to_contain_text(welcome.locator(".bubble").inner_text()[-8:])
    # the popular matters as buttons, after the input in the tab order
    expect(page.locator("hall-guide .chips .chip").first).to_be_visible()
    assert page.locator("hall-guide .chips .chip").count() >= 2
    # the session is kept for the tab's lifetime
    stored = page.evaluate("() => Object.values(sessionStorage).join('')")
    assert json.loads(stored)["id"]


def test_an_answer_shows_the_matter_card_and_its_materials(
    server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, server.url + "/")
    answer = ask(page, "生育登记")
    expect(answer).to_have_attribute("data-decision", "answer")
    card = answer.locator(".card")
    expect(card).to_have_attribute("data-code", "HD-0101")
    expect(card.locator("h3")).to_have_text("生育登记")
    expect(card.locator(".facts").first).to_contain_text("区卫生健康局")
    assert art(page) == ("happy", "present")
    # the guide's elements as tabs, from GET /api/matters/HD-0101
    tabs = card.locator("[role=tab]")
    expect(tabs.first).to_have_text("办理条件")
    assert "法律依据" in tabs.all_inner_texts()
    apply = card.locator("a.apply")
    expect(apply).to_have_attribute("href", "https://zwfw.example.gov.cn/apply/HD-0101")
    expect(apply).to_have_attribute("target", "_blank")
    # similar matters, with feedback and a play button
    expect(answer.locator(".similar button").first).to_be_visible()
    expect(answer.locator(".play")).to_be_visible()

    page.locator("hall-guide .chips .chip", has_text="申请材料").click()
    element = replies(page).last
    expect(element).to_have_attribute("data-decision", "element")
    expect(element.locator(".bubble")).to_contain_text("结婚证原件")
    # the card turns to the same element
    selected = card.locator("[role=tab][aria-selected=true]")
    expect(selected).to_have_text("申请材料")
    expect(card.locator("[role=tabpanel] li")).to_have_count(4)
    expect(card.locator("[role=tabpanel]")).to_contain_text("夫妻双方居民身份证原件")
    # focus went back to the input, ready for the next question
    assert deep_focus(page)["id"] == "hall-input"


@pytest.mark.slow
def test_a_question_in_plain_words_finds_the_birth_registration(
    server_e5: Server, new_page: NewPage
) -> None:
    """The acceptance flow, with the real encoder: 我想生二胎要办什么 → a birth matter (生育登记,
    or the second-child application that now redirects to it, as the dialogue's own acceptance
    test allows) → 申请材料."""
    page = new_page()
    open_widget(page, server_e5.url + "/")
    answer = ask(page, "我想生二胎要办什么")
    expect(answer).to_have_attribute("data-decision", "answer")
    card = answer.locator(".card")
    expect(card).to_be_visible()
    assert card.get_attribute("data-code") in BIRTH
    expect(card.locator("h3")).to_contain_text("生育")

    page.locator("hall-guide .chips .chip", has_text="申请材料").click()
    expect(replies(page).last.locator(".bubble")).to_contain_text("结婚证原件")
    expect(card.locator("[role=tabpanel]")).to_contain_text("结婚证原件")


def test_tabs_follow_the_arrow_keys(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_widget(page, server.url + "/")
    card = ask(page, "生育登记").locator(".card")
    first = card.locator("[role=tab]").first
    expect(first).to_have_attribute("aria-selected", "true")
    first.focus()
    page.keyboard.press("ArrowRight")
    second = card.locator("[role=tab]").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    assert deep_focus(page)["text"] == second.inner_text()
    page.keyboard.press("End")
    expect(card.locator("[role=tab]").last).to_have_attribute("aria-selected", "true")
    expect(card.locator("[role=tabpanel] a").first).to_have_attribute(
        "href", "https://zwfw.example.gov.cn/apply/HD-0101"
    )


def test_clarify_and_similar_buttons_send_their_message(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_widget(page, server.url + "/")
    answer = ask(page, "生育登记")
    similar = answer.locator(".similar button").first
    title = similar.inner_text()
    similar.click()
    expect(page.locator("hall-guide .msg.user").last).to_contain_text(title)
    expect(replies(page)).to_have_count(3)


def test_feedback_is_recorded(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_widget(page, server.url + "/")
    answer = ask(page, "生育登记")
    assert answer.locator(".fb button").count() == 2
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as sent:
        answer.locator(".fb button", has_text="有帮助").click()
    assert sent.value.status == 200
    posted = sent.value.request.post_data_json
    assert posted is not None
    assert posted["helpful"] is True
    expect(answer.locator(".thanks")).to_have_text("感谢您的反馈")
    expect(answer.locator(".fb button", has_text="有帮助")).to_have_attribute(
        "aria-pressed", "true"
    )

    answer.locator(".fb button", has_text="没帮助").click()
    comment = answer.locator(".fb-more input")
    expect(comment).to_be_focused()
    comment.fill("材料写得不够清楚")
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as sent:
        comment.press("Enter")
    posted = sent.value.request.post_data_json
    assert posted is not None
    assert posted["comment"] == "材料写得不够清楚"
    expect(answer.locator(".thanks")).to_have_text("已收到您的意见，谢谢！")


def test_the_halls_information(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_widget(page, server.url + "/")
    button = page.locator("hall-guide .tool", has_text="大厅信息")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    info = page.locator("hall-guide #hall-info")
    expect(info).to_contain_text("本市示例大道1号")
    expect(info).to_contain_text("周一至周五")
    expect(info).to_contain_text("示例12路")
    expect(info.locator("h4", has_text="交通指引")).to_be_visible()
    expect(info.locator(".news li")).to_have_count(2)
    expect(info.locator(".news a")).to_have_attribute("href", server.url + "/notices/holiday")
    expect(page.locator("hall-guide .log")).to_be_hidden()
    info.locator("button", has_text="返回对话").click()
    expect(page.locator("hall-guide .log")).to_be_visible()
    assert deep_focus(page)["id"] == "hall-input"


def test_the_conversation_survives_a_reload(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_widget(page, server.url + "/")
    ask(page, "生育登记")
    page.reload()
    expect(page.locator("hall-guide .panel")).to_be_visible()  # still open
    expect(replies(page)).to_have_count(2)
    expect(page.locator("hall-guide .card h3")).to_have_text("生育登记")
    expect(page.locator("hall-guide .chips .chip", has_text="申请材料")).to_be_visible()
    after = ask(page, "申请材料")  # the same conversation: the matter is still in context
    expect(after).to_have_attribute("data-decision", "element")


def test_unknown_art_names_fall_back_to_neutral_and_idle(server: Server, new_page: NewPage) -> None:
    page = new_page()

    def odd_persona(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        body["reply"]["persona"].update(expression="wink", gesture="confetti")
        route.fulfill(response=response, json=body)

    page.route("**/api/chat", odd_persona)
    open_widget(page, server.url + "/")
    assert art(page) == ("neutral", "idle")


def test_the_guide_looks_while_the_citizen_types_and_waits(
    server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, server.url + "/")
    page.locator("hall-guide #hall-input").press_sequentially("驾照")
    assert art(page) == ("attentive", "listen")

    def slow(route: Any) -> None:
        page.wait_for_timeout(600)
        route.continue_()

    page.route("**/api/chat", slow)
    page.locator("hall-guide #hall-input").press("Enter")
    expect(page.locator("hall-guide .msg.pending")).to_be_visible()
    assert art(page) == ("thinking", "think")
    expect(page.locator("hall-guide .msg.pending")).to_have_count(0)


def test_the_guide_says_the_personas_own_words_while_idle_typing_and_waiting(
    server: Server, new_page: NewPage
) -> None:
    """Idle, listening and thinking are the widget's own states: it says the persona's phrasings
    (an admin's edit), not words of its own."""
    page = new_page()
    said = {"idle": ["有事您就问。"], "listening": ["嗯，您慢慢说。"], "thinking": ["马上就好。"]}

    def edited(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "phrasings": said})

    page.route("**/api/persona", edited)
    page.goto(server.url + "/")
    page.locator("hall-guide .launcher").click()
    expect(replies(page).first).to_be_visible()
    status = page.locator("hall-guide .who .status")
    expect(status).to_have_text("有事您就问。", timeout=10_000)  # idle again after the welcome
    page.locator("hall-guide #hall-input").press_sequentially("驾照")
    expect(status).to_have_text("嗯，您慢慢说。")

    def slow(route: Any) -> None:
        page.wait_for_timeout(600)
        route.continue_()

    page.route("**/api/chat", slow)
    page.locator("hall-guide #hall-input").press("Enter")
    expect(page.locator("hall-guide .msg.pending")).to_have_text("马上就好。")
    expect(status).to_have_text("马上就好。")
    expect(page.locator("hall-guide .msg.pending")).to_have_count(0)


def test_the_guide_stands_still_for_reduced_motion(server: Server, new_page: NewPage) -> None:
    moving = new_page()
    open_widget(moving, server.url + "/")
    figure = "el => getComputedStyle(el).animationName"
    assert moving.locator("hall-guide .stage .figure").evaluate(figure) == "hall-breathe"

    still = new_page(reduced_motion="reduce")
    open_widget(still, server.url + "/")
    assert still.locator("hall-guide .stage .figure").evaluate(figure) == "none"
    assert art(still) == ("smile", "wave")  # the pose still shows, without moving


# -- speech ---------------------------------------------------------------------------


def test_play_loads_and_plays_the_reply(server: Server, new_page: NewPage) -> None:
    if server.get("/healthz")["parts"]["speech"] != "ok":
        pytest.skip("speech is unavailable on this machine (espeak-ng)")
    page = new_page()
    welcome = open_widget(page, server.url + "/")
    audio = page.locator("hall-guide audio")
    play = welcome.locator(".play")
    play.click()
    expect(play).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        """() => {
          const audio = document.querySelector('hall-guide').shadowRoot.querySelector('audio');
          return audio.readyState >= 2 && !audio.paused && audio.currentTime > 0.3;
        }""",
        timeout=30_000,
    )
    assert "/api/speech/" in audio.evaluate("a => a.currentSrc")
    assert audio.evaluate("a => a.duration") > 1

    # a speed: the clip restarts from the server at that speed
    page.locator("hall-guide .speed select").select_option("1.25")
    expect(audio).to_have_attribute(
        "src", server.url + "/api/speech/" + _clip(audio) + "?speed=1.25"
    )
    page.wait_for_function(
        "() => document.querySelector('hall-guide').shadowRoot.querySelector('audio').currentTime"
        " > 0.2"
    )

    # a new reply stops the old one
    ask(page, "生育登记")
    assert audio.evaluate("a => a.paused")
    expect(play).to_have_attribute("aria-pressed", "false")


def _clip(audio: Any) -> str:
    src: str = audio.evaluate("a => a.src")
    return src.rsplit("/", 1)[1].split("?")[0]


def test_auto_read_is_remembered_and_reads_new_replies(server: Server, new_page: NewPage) -> None:
    if server.get("/healthz")["parts"]["speech"] != "ok":
        pytest.skip("speech is unavailable on this machine (espeak-ng)")
    page = new_page()
    open_widget(page, server.url + "/")
    switch = page.locator("hall-guide [role=switch]")
    expect(switch).to_have_attribute("aria-checked", "false")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    answer = ask(page, "生育登记")
    expect(answer.locator(".play")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        "() => document.querySelector('hall-guide').shadowRoot.querySelector('audio')"
        ".currentTime > 0.2",
        timeout=30_000,
    )
    page.reload()
    expect(page.locator("hall-guide [role=switch]")).to_have_attribute("aria-checked", "true")


# -- keyboard, accessibility ------------------------------------------------------------


def test_keyboard_only(server: Server, new_page: NewPage) -> None:
    page = new_page()
    page.goto(server.url + "/")
    # Tab from the top of the portal to the guide's launcher, at the end of the page.
    for _ in range(60):
        page.keyboard.press("Tab")
        if "launcher" in deep_focus(page)["cls"]:
            break
    else:
        pytest.fail("Tab never reached the guide's launcher")
    focused = deep_focus(page)
    assert focused["inWidget"]
    assert focused["outline"].startswith("solid"), focused  # a visible focus
    page.keyboard.press("Enter")
    expect(replies(page).first).to_have_attribute("data-decision", "welcome")
    # the input has the focus once the panel opens
    assert deep_focus(page)["id"] == "hall-input"

    answer = ask(page, "生育登记", keyboard=True)
    expect(answer).to_have_attribute("data-decision", "answer")
    for _ in range(5):
        page.keyboard.press("Tab")
        if "chip" in deep_focus(page)["cls"]:
            break
    else:
        pytest.fail("Tab never reached a suggestion")
    chip = deep_focus(page)
    assert chip["outline"].startswith("solid"), chip
    page.keyboard.press("Enter")
    reply = replies(page).nth(2)
    expect(reply).to_have_attribute("data-decision", "element")
    expect(page.locator("hall-guide .msg.user").last).to_have_text("您说：" + chip["text"])

    # Escape closes the panel and gives the focus back to the launcher
    page.keyboard.press("Escape")
    expect(page.locator("hall-guide .panel")).to_be_hidden()
    assert "launcher" in deep_focus(page)["cls"]


def test_axe_finds_nothing_serious(
    server: Server, new_page: NewPage, axe_source: str, artifacts: Path
) -> None:
    page = new_page()
    page.goto(server.url + "/")
    expect(page.locator("hall-guide .launcher")).to_be_visible()
    report: dict[str, Any] = {"portal": axe(page, axe_source)}

    open_widget(page, server.url + "/")
    ask(page, "生育登记")
    page.locator("hall-guide .chips .chip", has_text="申请材料").click()
    expect(replies(page)).to_have_count(3)
    page.locator("hall-guide .fb button", has_text="没帮助").first.click()
    expect(page.locator("hall-guide .fb-more")).to_be_visible()
    report["widget"] = axe(page, axe_source)

    page.locator("hall-guide .tool", has_text="大字模式").click()
    page.locator("hall-guide .tool", has_text="大厅信息").click()
    expect(page.locator("hall-guide #hall-info .news")).to_be_visible()
    report["hall information, large text"] = axe(page, axe_source)

    phone = new_page(360, 740, is_mobile=True, has_touch=True)
    open_widget(phone, server.url + "/")
    ask(phone, "生育登记")
    report["widget at 360 px"] = axe(phone, axe_source)

    summary = {
        where: [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
            for v in results["violations"]
        ]
        for where, results in report.items()
    }
    (artifacts / "axe.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    problems = {where: serious(results) for where, results in report.items()}
    assert not any(problems.values()), json.dumps(problems, ensure_ascii=False, indent=2)


def test_large_text_mode_is_remembered(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_widget(page, server.url + "/")
    bubble = page.locator("hall-guide .bubble").first
    size = "el => parseFloat(getComputedStyle(el).fontSize)"
    normal = bubble.evaluate(size)
    toggle = page.locator("hall-guide .tool", has_text="大字模式")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert bubble.evaluate(size) >= normal * 1.2
    page.reload()
    expect(page.locator("hall-guide .tool", has_text="大字模式")).to_have_attribute(
        "aria-pressed", "true"
    )


# -- the host page, sizes, screenshots -------------------------------------------------


def test_a_hostile_host_page_does_not_break_the_widget(
    server: Server, new_page: NewPage, hostile_page: str, artifacts: Path
) -> None:
    page = new_page()
    # Served on the hall's origin (the API allows no other), from the test's own file.
    page.route(
        server.url + "/hostile.html",
        lambda route: route.fulfill(body=hostile_page, content_type="text/html; charset=utf-8"),
    )
    open_widget(page, server.url + "/hostile.html")  # the click itself proves no overlay wins
    answer = ask(page, "生育登记")
    expect(answer.locator(".card h3")).to_have_text("生育登记")
    page.wait_for_timeout(300)

    box = page.locator("hall-guide .panel").bounding_box()
    assert box is not None
    assert 300 <= box["width"] <= 460, box
    assert 500 <= box["height"] <= 800, box
    assert _within(box, 1280, 800)
    size = answer.locator(".bubble").evaluate("el => getComputedStyle(el).fontSize")
    assert size == "15px"
    field = page.locator("hall-guide #hall-input").bounding_box()
    assert field is not None
    assert field["width"] > 200
    assert 30 < field["height"] < 60
    # still above everything: what is at the input's centre is the widget
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).tagName",
        [field["x"] + field["width"] / 2, field["y"] + field["height"] / 2],
    )
    assert on_top == "HALL-GUIDE"
    page.screenshot(path=str(artifacts / "hostile-desktop.png"))


def test_screenshots_at_desktop_and_phone_width(
    server: Server, new_page: NewPage, artifacts: Path
) -> None:
    desktop = new_page(1280, 800)
    desktop.goto(server.url + "/")
    expect(desktop.locator("hall-guide .launcher")).to_be_visible()
    desktop.screenshot(path=str(artifacts / "desktop-portal.png"))
    open_widget(desktop, server.url + "/")
    ask(desktop, "生育登记")
    desktop.locator("hall-guide .chips .chip", has_text="申请材料").click()
    expect(replies(desktop)).to_have_count(3)
    desktop.wait_for_timeout(500)
    desktop.screenshot(path=str(artifacts / "desktop-1280x800-materials.png"))
    # the card, turned to the materials by the element reply
    desktop.locator("hall-guide .card h3").scroll_into_view_if_needed()
    desktop.screenshot(path=str(artifacts / "desktop-1280x800.png"))

    phone = new_page(360, 740, is_mobile=True, has_touch=True, device_scale_factor=2)
    open_widget(phone, server.url + "/")
    ask(phone, "生育登记")
    phone.wait_for_timeout(500)
    panel = phone.locator("hall-guide .panel").bounding_box()
    assert panel == {"x": 0, "y": 0, "width": 360, "height": 740}  # the panel is the screen
    assert _no_sideways_scroll(phone)
    phone.screenshot(path=str(artifacts / "phone-360x740.png"))


def test_usable_at_200_percent_zoom(server: Server, new_page: NewPage, artifacts: Path) -> None:
    """A 1280x800 window at 200 % zoom is a 640x400 CSS-pixel viewport at scale 2."""
    page = new_page(640, 400, device_scale_factor=2)
    open_widget(page, server.url + "/")
    answer = ask(page, "生育登记")
    panel = page.locator("hall-guide .panel").bounding_box()
    assert panel is not None
    assert _within(panel, 640, 400)
    expect(page.locator("hall-guide #hall-input")).to_be_in_viewport()
    expect(page.locator("hall-guide .send")).to_be_in_viewport()
    assert _no_sideways_scroll(page)
    answer.locator(".card h3").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "zoom-200.png"))
    page.locator("hall-guide .chips .chip", has_text="申请材料").click()
    expect(replies(page)).to_have_count(3)


def _within(box: Any, width: float, height: float) -> bool:
    """The box lies inside a viewport of that size."""
    return bool(
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )


def _no_sideways_scroll(page: Any) -> bool:
    """Nothing in the panel is wider than the panel."""
    wide: list[str] = page.evaluate(
        """() => {
          const root = document.querySelector('hall-guide').shadowRoot;
          const panel = root.querySelector('.panel');
          return [panel, ...panel.querySelectorAll('.log, .chips, .toolbar, .composer, .card')]
            .filter(el => el.scrollWidth > el.clientWidth + 1)
            .filter(el => getComputedStyle(el).overflowX !== 'auto')
            .map(el => el.className);
        }"""
    )
    return not wide
