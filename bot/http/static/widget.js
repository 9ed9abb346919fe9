/* Concierge chat widget.
   Embed: <script src="https://HOST/widget.js" data-token="JWT" data-lang="zh"></script>
   (data-token optional: without it the visitor is anonymous, when the service allows it; data-lang optional: the
   reply language and the widget's words, en, zh, es, fr or de; without it each message's language is detected).
   Plain JS, no dependencies, no CDN. All text is set with textContent, never parsed as HTML; a card's picture
   and link (image_url, url) are set as DOM properties and only when they are http(s) URLs.
   The service answers only pages whose origin is in CONCIERGE_ALLOWED_ORIGINS (CORS).
   Isolation: the widget lives in the open shadow root of a <concierge-widget> host element, with widget.css loaded
   inside it, so the shop's CSS does not reach it and its CSS does not reach the shop.
   Persistence: the anonymous visitor's token (X-Concierge-Token) and the session id are kept in localStorage under
   "concierge:v1:<service origin>" (30 days from the last use, never past the token's own expiry; a session until the
   service answers 404, then a new one starts silently), and the conversation is shown again on the next page load.
   Without localStorage (privacy mode) the widget keeps them in memory. "Forget me" calls DELETE /api/v1/me. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.querySelector("concierge-widget")) { return; }
  var base = new URL(script.src).origin;
  var pageToken = script.getAttribute("data-token") || "";  /* the shop's signed-in user: never stored here */
  var lang = (script.getAttribute("data-lang") || "").trim().toLowerCase().split(/[-_]/)[0];  /* "zh-CN" -> "zh" */
  var KEY = "concierge:v1:" + base;
  var KEEP_MS = 30 * 24 * 3600 * 1000;  /* a stored visitor and session: 30 days after their last use */
  var who = pageToken ? "signed" : "visitor";  /* whose session the stored one is */
  var store = storage();
  var saved = load();
  var token = pageToken || (saved.visitor ? saved.visitor.token : "");
  var sessionId = saved.sessions[who] ? saved.sessions[who].id : null;
  var busy = false;
  /* The widget's own words: these until the service's arrive (uiStrings below), in the data-lang language. */
  var words = {
    open_button: "Chat", open_chat: "Open the Concierge chat", close: "Close", send: "Send",
    placeholder: "Type a message…", like: "like", dislike: "dislike", seen: "seen",
    liked: "liked", disliked: "disliked", marked_seen: "seen", working: "looking in the catalog…",
    chat_failed: "Sorry, the chat is unavailable", forget_me: "Forget me",
    forget_confirm: "Click again to delete your conversations and likes",
    forgotten: "Done: your conversations and likes are deleted; a new message starts afresh.",
    forget_failed: "Sorry, your history could not be deleted"
  };
  var MARKS = { like: "liked", dislike: "disliked", seen: "marked_seen" };

  /* ---- stored state: {visitor: {token, expires}, sessions: {visitor|signed: {id, expires}}} ---------------- */
  function storage() {
    try {
      var s = window.localStorage;  /* the getter itself throws where storage is denied */
      s.setItem(KEY + ":probe", "1");
      s.removeItem(KEY + ":probe");
      return s;
    } catch (err) { return null; }
  }
  function fresh(entry) {
    return !!entry && typeof entry === "object" && typeof entry.expires === "number" && entry.expires > Date.now();
  }
  function load() {
    var state = { visitor: null, sessions: {} };
    var raw = null;
    try { raw = store ? JSON.parse(store.getItem(KEY) || "null") : null; } catch (err) { raw = null; }
    if (!raw || typeof raw !== "object") { return state; }
    if (fresh(raw.visitor) && typeof raw.visitor.token === "string" && raw.visitor.token) { state.visitor = raw.visitor; }
    ["visitor", "signed"].forEach(function (owner) {
      var entry = raw.sessions && raw.sessions[owner];
      if (fresh(entry) && typeof entry.id === "string" && entry.id) { state.sessions[owner] = entry; }
    });
    if (!state.visitor) { delete state.sessions.visitor; }  /* an anonymous session without its visitor is lost */
    return state;
  }
  function tokenExpiry(jwt) {  /* the token's own exp claim (ms), Infinity when it cannot be read */
    try {
      var part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      while (part.length % 4) { part += "="; }
      var exp = JSON.parse(atob(part)).exp;
      return typeof exp === "number" ? exp * 1000 : Infinity;
    } catch (err) { return Infinity; }
  }
  function persist() {  /* the in-memory state into localStorage, the expiries pushed back (a sliding window) */
    var until = Date.now() + KEEP_MS;
    if (!pageToken) {
      saved.visitor = token ? { token: token, expires: Math.min(until, tokenExpiry(token)) } : null;
      if (saved.visitor) { until = saved.visitor.expires; }
    }
    if (sessionId) { saved.sessions[who] = { id: sessionId, expires: until }; } else { delete saved.sessions[who]; }
    if (!store) { return; }
    try {
      if (saved.visitor || Object.keys(saved.sessions).length) { store.setItem(KEY, JSON.stringify(saved)); }
      else { store.removeItem(KEY); }
    } catch (err) { /* full or denied: the widget goes on in memory */ }
  }
  function wipe() {  /* forget me: nothing of this visitor stays in the page or in storage */
    if (!pageToken) { token = ""; }
    sessionId = null;
    saved = { visitor: null, sessions: {} };
    if (store) { try { store.removeItem(KEY); } catch (err) { /* in memory only */ } }
  }

  /* ---- the DOM: a host element with an open shadow root; nothing of the widget is in the page's tree ------- */
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  var host = document.createElement("concierge-widget");
  host.style.setProperty("visibility", "hidden", "important");  /* until widget.css is in: no unstyled flash */
  var root = host.attachShadow({ mode: "open" });
  var css = el("link");
  css.rel = "stylesheet";
  css.href = base + "/widget.css";
  function reveal() { host.style.removeProperty("visibility"); }
  css.addEventListener("load", reveal);
  css.addEventListener("error", reveal);
  root.appendChild(css);

  var bubble = el("button", "concierge-bubble", words.open_button);
  bubble.id = "concierge-bubble";
  bubble.type = "button";
  bubble.setAttribute("aria-label", words.open_chat);
  var panel = el("div", "concierge-panel");
  panel.id = "concierge-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  if (lang) { panel.setAttribute("lang", lang); }
  var head = el("div", "concierge-head", "Concierge");
  var close = el("button", "concierge-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", words.close);
  head.appendChild(close);
  var log = el("div", "concierge-log");
  log.id = "concierge-log";
  log.setAttribute("aria-live", "polite");
  var form = el("form", "concierge-form");
  var input = el("input", "concierge-input");
  input.id = "concierge-input";
  input.placeholder = words.placeholder;
  input.maxLength = 4000;
  input.autocomplete = "off";
  var send = el("button", "concierge-send", words.send);
  send.id = "concierge-send";
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  var foot = el("div", "concierge-foot");
  var forget = el("button", "concierge-forget", words.forget_me);
  forget.id = "concierge-forget";
  forget.type = "button";
  foot.appendChild(forget);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(form);
  panel.appendChild(foot);
  root.appendChild(panel);
  root.appendChild(bubble);
  document.body.appendChild(host);

  /* The widget's words come from the service, in the catalog's terms ("Ask for a book…"): GET /api/v1/ui-strings
     (bot/http/ui_strings.py, the same strings as the chat UI), in the data-lang language when there is one. */
  var armed = false;  /* "forget me" clicked once: the next click deletes */
  function uiStrings() {
    fetch(base + "/api/v1/ui-strings" + (lang ? "?language=" + encodeURIComponent(lang) : ""))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (served) {
        if (!served) { return; }
        Object.keys(words).forEach(function (key) { if (served[key]) { words[key] = String(served[key]); } });
        input.placeholder = words.placeholder;
        bubble.textContent = words.open_button;
        bubble.setAttribute("aria-label", words.open_chat);
        close.setAttribute("aria-label", words.close);
        send.textContent = words.send;
        forget.textContent = armed ? words.forget_confirm : words.forget_me;
        if (served.locale && !lang) { panel.setAttribute("lang", String(served.locale)); }
      })
      .catch(function () { /* the neutral words stay */ });
  }
  uiStrings();

  function disarm() { armed = false; forget.textContent = words.forget_me; }
  function toggle() {
    panel.hidden = !panel.hidden;
    disarm();
    if (!panel.hidden) { uiStrings(); input.focus(); }  /* again: the catalog may have been loading */
  }
  bubble.addEventListener("click", toggle);
  close.addEventListener("click", toggle);

  function headers(extra) {
    var h = { "Content-Type": "application/json" };
    if (token) { h.Authorization = "Bearer " + token; }
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { h[k] = extra[k]; } }
    return h;
  }
  function remember(response) {
    var given = response.headers.get("X-Concierge-Token");
    if (given && !token) { token = given; persist(); }
    return response;
  }
  /* A stored visitor the service no longer accepts (401: the token expired) or a session it no longer has (404)
     is dropped, and the widget goes on as a new visitor / with a new session. */
  function stale(response) {
    if (response.status === 401 && token && !pageToken) { token = ""; sessionId = null; persist(); return true; }
    if (response.status === 404) { sessionId = null; persist(); return true; }
    return false;
  }
  function failure(response) {
    return response.json().then(
      function (body) { return new Error((body && body.error && body.error.message) || ("HTTP " + response.status)); },
      function () { return new Error("HTTP " + response.status); }
    );
  }
  function refused(response) { return failure(response).then(function (e) { throw e; }); }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function line(role, text) { return el("div", "concierge-msg concierge-" + role, text); }
  function say(role, text) {
    var node = log.appendChild(line(role, text));
    scroll();
    return node;
  }

  function feedback(itemId, signal, status) {
    fetch(base + "/api/v1/feedback", {
      method: "POST", headers: headers({}), body: JSON.stringify({ item_id: itemId, signal: signal })
    })
      .then(remember)
      .then(function (r) { if (!r.ok) { return refused(r); } return r.json(); })
      .then(function () { status.textContent = words[MARKS[signal]]; persist(); })
      .catch(function (err) { status.textContent = err.message; });
  }
  // Only absolute http(s) URLs become a src or href (the service drops others too): never javascript: or data:.
  function httpUrl(value) {
    if (typeof value !== "string" || !value || value.length > 2048 || /[\s"<>\\^`{|}]/.test(value)) { return null; }
    try {
      var url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname ? url.href : null;
    } catch (err) { return null; }
  }
  function priceText(item) {
    if (typeof item.price !== "number" || !isFinite(item.price)) { return ""; }
    return item.price.toFixed(2) + (item.currency ? " " + item.currency : "");
  }
  function cards(items) {  /* the cards of a reply (the caller places them after it) */
    var box = el("div", "concierge-cards");
    items.forEach(function (item) {
      if (!item || typeof item !== "object") { return; }
      var card = el("div", "concierge-card");
      var image = httpUrl(item.image_url);
      if (image) {
        var cover = el("img", "concierge-cover");
        cover.loading = "lazy";
        cover.decoding = "async";
        cover.referrerPolicy = "no-referrer";
        cover.width = 48;
        cover.height = 72;
        cover.alt = String(item.title);
        cover.src = image;
        card.appendChild(cover);
      }
      var body = el("div", "concierge-body");
      card.appendChild(body);
      var label = item.title + (item.year ? " (" + item.year + ")" : "");
      var title = el("div", "concierge-title");
      var link = httpUrl(item.url);
      if (link) {
        var anchor = el("a", "concierge-link", label);
        anchor.href = link;
        anchor.target = "_blank";
        anchor.rel = "noopener noreferrer";
        title.appendChild(anchor);
      } else {
        title.textContent = label;
      }
      body.appendChild(title);
      body.appendChild(el("div", "concierge-genres", (item.genres || []).join(", ")));
      if (priceText(item)) { body.appendChild(el("div", "concierge-price", priceText(item))); }
      body.appendChild(el("div", "concierge-reason", item.reason || ""));
      var actions = el("div", "concierge-actions");
      var status = el("span", "concierge-mark", "");
      ["like", "dislike", "seen"].forEach(function (signal) {
        var b = el("button", "concierge-act", words[signal]);
        b.type = "button";
        b.addEventListener("click", function () { feedback(item.item_id, signal, status); });
        actions.appendChild(b);
      });
      actions.appendChild(status);
      body.appendChild(actions);
      box.appendChild(card);
    });
    return box;
  }
  function cardsAfter(items, reply) {
    var box = log.insertBefore(cards(items), reply.nextSibling);
    scroll();
    return box;
  }

  /* The stored conversation, shown again on load (GET /api/v1/sessions/{id}: {"messages": [{role, content,
     items?}]}), above anything typed meanwhile; a turn is sent only after it (restored.then below). */
  function restore() {
    if (!sessionId) { return Promise.resolve(); }
    var id = sessionId;
    return fetch(base + "/api/v1/sessions/" + encodeURIComponent(id), { headers: headers({}) })
      .then(function (r) {
        if (stale(r) || !r.ok) { return null; }  /* another error (503, ...): keep the id, the next turn tries it */
        return r.json();
      })
      .then(function (body) {
        if (!body || !Array.isArray(body.messages) || sessionId !== id) { return; }
        var earlier = document.createDocumentFragment();
        body.messages.forEach(function (message) {
          if (!message || typeof message.content !== "string") { return; }
          if (message.role === "user") { earlier.appendChild(line("user", message.content)); }
          if (message.role === "assistant") {
            earlier.appendChild(line("bot", message.content));
            if (Array.isArray(message.items) && message.items.length) { earlier.appendChild(cards(message.items)); }
          }
        });
        log.insertBefore(earlier, log.firstChild);
        scroll();
        persist();
      })
      .catch(function () { /* the service is unreachable: the stored state stays for the next try */ });
  }
  var restored = restore();

  function turnView(reply) {
    var view = { reply: reply, draft: "", cards: null };
    view.handle = function (name, data) {
      if (name === "tool_start" && !view.draft) { reply.textContent = words.working; }
      if (name === "token") { view.draft += data.text; reply.textContent = view.draft; scroll(); }
      if (name === "items" && data.items && data.items.length && !view.cards) {
        view.cards = cardsAfter(data.items, reply);
      }
      if (name === "done") {
        reply.textContent = data.reply;
        if (view.cards) { log.removeChild(view.cards); view.cards = null; }
        if (data.items && data.items.length) { view.cards = cardsAfter(data.items, reply); }
        if (data.session_id) { sessionId = data.session_id; }
        persist();
      }
    };
    return view;
  }

  function stream(response, view) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function dispatch(block) {
      var name = "message", data = "";
      block.split("\n").forEach(function (part) {
        if (part.indexOf("event:") === 0) { name = part.slice(6).trim(); }
        if (part.indexOf("data:") === 0) { data += part.slice(5).replace(/^ /, ""); }
      });
      if (data) { view.handle(name, JSON.parse(data)); }
    }
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) { if (buffer.trim()) { dispatch(buffer); } return; }
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(dispatch);
        return pump();
      });
    }
    return pump();
  }

  function ensureSession(retry) {
    if (sessionId) { return Promise.resolve(sessionId); }
    return fetch(base + "/api/v1/sessions", { method: "POST", headers: headers({}), body: "{}" })
      .then(remember)
      .then(function (r) {
        if (!r.ok) { return retry && stale(r) ? ensureSession(false) : refused(r); }
        return r.json().then(function (body) { sessionId = body.session_id; persist(); return sessionId; });
      });
  }
  function post(text, retry) {  /* one turn; a session or visitor the service no longer knows: once more, anew */
    return ensureSession(true)
      .then(function (id) {
        return fetch(base + "/api/v1/sessions/" + encodeURIComponent(id) + "/messages", {
          method: "POST",
          headers: headers({ Accept: "text/event-stream" }),
          body: JSON.stringify(lang ? { text: text, language: lang } : { text: text })
        });
      })
      .then(function (r) {
        if (!r.ok) { return retry && stale(r) ? post(text, false) : refused(r); }
        return r;
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { return; }
    busy = true;
    send.disabled = true;
    disarm();
    input.value = "";
    say("user", text);
    var view = turnView(say("bot", "…"));
    restored
      .then(function () { return post(text, true); })
      .then(function (r) { return stream(r, view); })
      .catch(function (err) {
        view.reply.className += " concierge-error";
        view.reply.textContent = words.chat_failed + " (" + err.message + ").";
      })
      .then(function () { busy = false; send.disabled = false; });
  });

  /* "Forget me": a first click asks, a second one deletes the visitor's history and sessions on the service
     (DELETE /api/v1/me), then the stored state and the log here. A visitor who never wrote has nothing there. */
  forget.addEventListener("click", function () {
    if (busy) { return; }
    if (!armed) { armed = true; forget.textContent = words.forget_confirm; return; }
    disarm();
    busy = true;
    send.disabled = true;
    forget.disabled = true;
    restored
      .then(function () {
        if (!token) { return null; }
        return fetch(base + "/api/v1/me", { method: "DELETE", headers: headers({}) })
          .then(function (r) { if (!r.ok) { return refused(r); } return null; });
      })
      .then(function () {
        wipe();
        while (log.firstChild) { log.removeChild(log.firstChild); }
        say("note", words.forgotten);
      })
      .catch(function (err) {
        say("error", words.forget_failed + " (" + err.message + ").");
      })
      .then(function () { busy = false; send.disabled = false; forget.disabled = false; });
  });
})();
