"""The widget's state and isolation in a real chromium: the conversation and the anonymous visitor survive a
reload (localStorage, with an expiry), "forget me" deletes them, the widget works without localStorage, and in its
shadow root it neither suffers from a hostile shop stylesheet nor styles the shop's own elements."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.fake_backend import CHROMIUM, FakeBackend, live_server, screenshot
from tests.widget_kit import chat, done_js, open_page, ports, service, shop_page, stored

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (apt-get install chromium)"),
]
__all__ = ["open_page", "ports", "service"]  # fixtures used by name


# ---- persistence: the conversation and the anonymous visitor survive a reload; "forget me" -------------------
DAY_MS = 24 * 3600 * 1000


def store(page: Any, service_url: str, state: Any) -> None:
    page.evaluate("([key, value]) => localStorage.setItem(key, JSON.stringify(value))",
                  [f"concierge:v1:{service_url}", state])  # fmt: skip


def reload(page: Any) -> None:
    page.reload()
    page.locator("#concierge-bubble").wait_for(timeout=30_000)


def turns_of(backend: FakeBackend, user_id: str) -> list[Any]:
    return [call for call in backend.calls if call["user_id"] == user_id]


def test_widget_keeps_conversation_and_visitor_across_reloads(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, backend = service
    with live_server(shop_page(url, None), port=ports["allowed"]) as shop:  # anonymous visitor
        page = open_page(shop + "/")
        chat(page, "a crime film")
        page.wait_for_function(done_js(1), timeout=30_000)
        page.locator(".concierge-card").first.get_by_role("button", name="like", exact=True).click()
        page.locator(".concierge-card").first.get_by_text("liked", exact=True).wait_for(timeout=30_000)
        user, item, signal = backend.feedback[-1]
        assert user.startswith("anon-") and (item, signal) == ("6", "like")
        session = turns_of(backend, user)[-1]["session_id"]
        state = stored(page, url)
        now = page.evaluate("Date.now()")
        assert state["sessions"]["visitor"]["id"] == session
        visitor = state["visitor"]
        # 30 days at most, and never past the token's own expiry (the service's anonymous tokens last 7 days)
        assert now + 6 * DAY_MS < visitor["expires"] <= now + 30 * DAY_MS

        reload(page)  # the same visitor, the same conversation: shown again before anything is typed
        page.locator("#concierge-log .concierge-card").first.wait_for(state="attached", timeout=30_000)
        assert page.locator("#concierge-log .concierge-user").all_text_contents() == ["a crime film"]
        assert page.locator("#concierge-log .concierge-bot").all_text_contents() == [
            "You asked: a crime film. Here are 4 films from the catalog."
        ]
        assert page.locator("#concierge-log .concierge-title").first.text_content() == "Heat (1995)"
        chat(page, "and heat?")
        page.wait_for_function(done_js(2), timeout=30_000)
        assert [call["session_id"] for call in turns_of(backend, user)] == [session, session]
        page.locator(".concierge-card").last.get_by_role("button", name="dislike", exact=True).click()
        page.locator(".concierge-card").last.get_by_text("disliked", exact=True).wait_for(timeout=30_000)
        assert backend.feedback[-1][0] == user  # the like before the reload and this one: one user's profile
        assert ("6", "like") in backend.events[user] and backend.events[user][-1][1] == "dislike"
        assert backend.profile(user)["counts"]["events"] == 2
        assert stored(page, url)["visitor"]["token"] == visitor["token"]
        screenshot(page, "widget_restored_after_reload")

        # a session the service no longer has (404): dropped silently, the same visitor starts a new one
        store(page, url, {**stored(page, url), "sessions": {"visitor": {"id": "gone", "expires": now + DAY_MS}}})
        reload(page)
        chat(page, "a crime film")
        page.wait_for_function(done_js(1), timeout=30_000)
        assert page.locator("#concierge-log .concierge-error").count() == 0
        assert page.locator("#concierge-log .concierge-user").count() == 1
        assert turns_of(backend, user)[-1]["session_id"] not in {session, "gone"}
        current = turns_of(backend, user)[-1]["session_id"]
        assert stored(page, url)["sessions"]["visitor"]["id"] == current
        # the service loses the session while the page is open: the next message goes to a new one, silently
        with backend._lock:
            del backend.sessions[current]
        chat(page, "and heat?")
        page.wait_for_function(done_js(2), timeout=30_000)
        assert page.locator("#concierge-log .concierge-error").count() == 0
        assert turns_of(backend, user)[-1]["session_id"] != current
        assert stored(page, url)["sessions"]["visitor"]["id"] == turns_of(backend, user)[-1]["session_id"]


def test_widget_ignores_an_expired_stored_entry(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, backend = service
    with live_server(shop_page(url, None), port=ports["allowed"]) as shop:
        page = open_page(shop + "/")
        chat(page, "a crime film")
        page.wait_for_function(done_js(1), timeout=30_000)
        first = backend.calls[-1]["user_id"]
        state = stored(page, url)
        past = page.evaluate("Date.now()") - 1000
        state["visitor"]["expires"] = past
        state["sessions"]["visitor"]["expires"] = past
        store(page, url, state)
        reload(page)
        chat(page, "a crime film")
        page.wait_for_function(done_js(1), timeout=30_000)
        assert page.locator("#concierge-log .concierge-user").count() == 1  # the old conversation is not shown
        second = backend.calls[-1]["user_id"]
        assert second.startswith("anon-") and second != first  # the expired visitor's token was not sent
        assert stored(page, url)["visitor"]["token"] != state["visitor"]["token"]


def test_widget_forget_me_deletes_the_visitor_and_starts_anew(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, backend = service
    with live_server(shop_page(url, None), port=ports["allowed"]) as shop:
        page = open_page(shop + "/")
        chat(page, "a crime film")
        page.wait_for_function(done_js(1), timeout=30_000)
        page.locator(".concierge-card").first.get_by_role("button", name="like", exact=True).click()
        page.locator(".concierge-card").first.get_by_text("liked", exact=True).wait_for(timeout=30_000)
        user = backend.feedback[-1][0]
        forget = page.locator("#concierge-forget")
        assert forget.text_content() == "Forget me"
        forget.click()  # the first click only asks
        assert forget.text_content() == "Click again to delete your conversations and likes"
        assert user not in backend.forgotten and stored(page, url) is not None
        forget.click()
        note = page.locator("#concierge-log .concierge-note")
        note.wait_for(timeout=30_000)
        assert note.text_content() == "Done: your conversations and likes are deleted; a new message starts afresh."
        assert backend.forgotten[-1] == user and user not in backend.events
        assert stored(page, url) is None
        assert page.locator("#concierge-log .concierge-msg").count() == 1  # only the note
        screenshot(page, "widget_forgotten")
        chat(page, "a crime film")
        page.wait_for_function(done_js(1), timeout=30_000)
        assert backend.calls[-1]["user_id"] not in {user, ""} and backend.calls[-1]["user_id"].startswith("anon-")
        reload(page)  # nothing of the forgotten visitor comes back
        page.locator("#concierge-log .concierge-user").first.wait_for(state="attached", timeout=30_000)
        assert page.locator("#concierge-log .concierge-user").all_text_contents() == ["a crime film"]


NO_STORAGE = """Object.defineProperty(window, "localStorage", {
  configurable: true, get() { throw new DOMException("denied", "SecurityError"); }
});"""


def test_widget_works_in_memory_without_local_storage(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, backend = service
    with live_server(shop_page(url, None), port=ports["allowed"]) as shop:
        page = open_page(shop + "/", init_script=NO_STORAGE)
        assert page.evaluate("() => { try { localStorage; return 'open'; } catch (e) { return e.name; } }") == (
            "SecurityError"
        )
        chat(page, "a crime film")
        page.wait_for_function(done_js(1), timeout=30_000)
        user = backend.calls[-1]["user_id"]
        chat(page, "and heat?")
        page.wait_for_function(done_js(2), timeout=30_000)
        assert [call["user_id"] for call in backend.calls[-2:]] == [user, user]  # the token is kept in memory
        assert len({call["session_id"] for call in backend.calls[-2:]}) == 1
        reload(page)
        chat(page, "a crime film")
        page.wait_for_function(done_js(1), timeout=30_000)
        assert backend.calls[-1]["user_id"] != user  # nothing could be stored: a new visitor after the reload


# ---- isolation: a hostile shop stylesheet; the widget's CSS stays out of the shop ----------------------------
HOSTILE_CSS = """
.panel, .button, .input, .form, .chat, .widget, .card, .log, .bubble, .send, .close, .msg,
[class*="concierge"], [id^="concierge"], concierge-widget, body > :last-child
  { display: none !important; visibility: hidden !important; opacity: 0 !important; }
* { line-height: 3 !important; letter-spacing: 3px !important; box-sizing: content-box !important; }
div { color: red; font-size: 40px; }
button { display: none; }
input { display: none; }
body { font: italic 22px serif; color: green; text-align: right; }
"""
# the shop's own elements that happen to use the widget's class names
SHOP_LOOKALIKES = (
    '<div id="shop-a" class="concierge-panel concierge-msg concierge-user">Shop panel</div>'
    '<button id="shop-b" class="concierge-send concierge-bubble">Buy</button>'
    '<input id="shop-c" class="concierge-input">'
)
WIDGET_PARTS = ["#concierge-bubble", "#concierge-panel", "#concierge-input", "#concierge-send", "#concierge-forget",
                ".concierge-bot", ".concierge-user", ".concierge-card", ".concierge-act"]  # fmt: skip
PROPS = ["display", "visibility", "position", "font-size", "font-family", "font-style", "line-height", "letter-spacing",
         "color", "background-color", "text-align", "border-radius", "z-index", "opacity"]  # fmt: skip
MEASURE = """([root, parts, props]) => {
  const scope = root ? document.querySelector('concierge-widget').shadowRoot : document;
  const out = {};
  for (const sel of parts) {
    const node = scope.querySelector(sel), box = node.getBoundingClientRect(), style = getComputedStyle(node);
    out[sel] = [Math.round(box.x), Math.round(box.y), Math.round(box.width), Math.round(box.height),
                ...props.map(p => style.getPropertyValue(p))];
  }
  return out;
}"""


def styled_shop(service_url: str) -> Starlette:
    """/plain: the widget alone; /hostile: the widget under a hostile stylesheet; /lookalikes (with and without
    the widget): shop elements named like the widget's."""

    def page(head: str, body: str, widget: bool) -> HTMLResponse:
        script = f'<script src="{service_url}/widget.js"></script>' if widget else ""
        return HTMLResponse(
            f"<!doctype html><html><head><meta charset='utf-8'><title>Shop</title>{head}</head><body>"
            f"<h1>A shop</h1><p>Some products.</p>{body}{script}</body></html>"
        )

    hostile = f"<style>{HOSTILE_CSS}</style>"
    return Starlette(
        routes=[
            Route("/plain", lambda _: page("", "", True)),
            Route("/hostile", lambda _: page(hostile, "", True)),
            Route("/lookalikes", lambda _: page("", SHOP_LOOKALIKES, True)),
            Route("/lookalikes-bare", lambda _: page("", SHOP_LOOKALIKES, False)),
        ]
    )


def test_widget_is_isolated_from_the_shop_css_both_ways(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, _ = service
    measured: dict[str, Any] = {}
    with live_server(styled_shop(url), port=ports["allowed"]) as shop:
        for name in ("plain", "hostile"):
            page = open_page(f"{shop}/{name}")
            chat(page, "a crime film")
            page.wait_for_function(done_js(1), timeout=30_000)
            for part in ("#concierge-input", "#concierge-send", "#concierge-bubble", "#concierge-forget"):
                assert page.locator(part).is_visible(), f"{part} is hidden on the {name} page"
            measured[name] = page.evaluate(MEASURE, [True, WIDGET_PARTS, PROPS])
            screenshot(page, f"widget_shop_css_{name}")
        assert measured["plain"]["#concierge-panel"][7] == "14px"  # font-size: the widget's own
        for part in WIDGET_PARTS:
            assert measured["hostile"][part] == measured["plain"][part], part

        shop_parts = ["#shop-a", "#shop-b", "#shop-c", "h1", "p", "body"]
        for name in ("lookalikes", "lookalikes-bare"):
            page = open_page(f"{shop}/{name}", widget=name == "lookalikes")
            page.locator("#shop-c").wait_for(timeout=30_000)
            if name == "lookalikes":  # the widget is there and styled (its stylesheet has loaded)
                assert page.locator("#concierge-bubble").evaluate("b => getComputedStyle(b).position") == "fixed"
            measured[name] = page.evaluate(MEASURE, [False, shop_parts, PROPS])
        assert measured["lookalikes-bare"]["#shop-a"][6] == "static"  # position: the shop's, not the widget's
        assert measured["lookalikes"] == measured["lookalikes-bare"]
        screenshot(page, "widget_shop_lookalikes")
