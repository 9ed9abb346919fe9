/* Concierge chat widget.
   Embed: <script src="https://HOST/widget.js" data-token="JWT" data-lang="zh"></script>
   (data-token optional: without it the visitor is anonymous, when the service allows it; data-lang optional: the
   reply language and the widget's words, en, zh, es, fr or de; without it each message's language is detected).
   Plain JS, no dependencies, no CDN. All text is set with textContent, never parsed as HTML; a card's picture
   and link (image_url, url) are set as DOM properties and only when they are http(s) URLs.
   The service answers only pages whose origin is in CONCIERGE_ALLOWED_ORIGINS (CORS). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.getElementById("concierge-panel")) { return; }
  var base = new URL(script.src).origin;
  var token = script.getAttribute("data-token") || "";
  var lang = (script.getAttribute("data-lang") || "").trim().toLowerCase().split(/[-_]/)[0];  /* "zh-CN" -> "zh" */
  var sessionId = null;
  var busy = false;
  /* The widget's own words: these until the service's arrive (uiStrings below), in the data-lang language. */
  var words = {
    open_button: "Chat", open_chat: "Open the Concierge chat", close: "Close", send: "Send",
    placeholder: "Type a message…", like: "like", dislike: "dislike", seen: "seen",
    liked: "liked", disliked: "disliked", marked_seen: "seen", working: "looking in the catalog…",
    chat_failed: "Sorry, the chat is unavailable"
  };
  var MARKS = { like: "liked", dislike: "disliked", seen: "marked_seen" };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  var css = el("link");
  css.rel = "stylesheet";
  css.href = base + "/widget.css";
  document.head.appendChild(css);

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
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(form);
  document.body.appendChild(panel);
  document.body.appendChild(bubble);

  /* The widget's words come from the service, in the catalog's terms ("Ask for a book…"): GET /api/v1/ui-strings
     (bot/http/ui_strings.py, the same strings as the chat UI), in the data-lang language when there is one. */
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
        if (served.locale && !lang) { panel.setAttribute("lang", String(served.locale)); }
      })
      .catch(function () { /* the neutral words stay */ });
  }
  uiStrings();

  function toggle() {
    panel.hidden = !panel.hidden;
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
    var fresh = response.headers.get("X-Concierge-Token");
    if (fresh && !token) { token = fresh; }
    return response;
  }
  function failure(response) {
    return response.json().then(
      function (body) { return new Error((body && body.error && body.error.message) || ("HTTP " + response.status)); },
      function () { return new Error("HTTP " + response.status); }
    );
  }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function say(role, text) {
    var line = el("div", "concierge-msg concierge-" + role, text);
    log.appendChild(line);
    scroll();
    return line;
  }

  function feedback(itemId, signal, status) {
    fetch(base + "/api/v1/feedback", {
      method: "POST", headers: headers({}), body: JSON.stringify({ item_id: itemId, signal: signal })
    })
      .then(remember)
      .then(function (r) { if (!r.ok) { return failure(r).then(function (e) { throw e; }); } return r.json(); })
      .then(function () { status.textContent = words[MARKS[signal]]; })
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
  function cards(items, after) {
    var box = el("div", "concierge-cards");
    items.forEach(function (item) {
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
    log.insertBefore(box, after.nextSibling);
    scroll();
    return box;
  }

  function turnView(reply) {
    var view = { reply: reply, draft: "", cards: null };
    view.handle = function (name, data) {
      if (name === "tool_start" && !view.draft) { reply.textContent = words.working; }
      if (name === "token") { view.draft += data.text; reply.textContent = view.draft; scroll(); }
      if (name === "items" && data.items && data.items.length && !view.cards) { view.cards = cards(data.items, reply); }
      if (name === "done") {
        reply.textContent = data.reply;
        if (view.cards) { log.removeChild(view.cards); view.cards = null; }
        if (data.items && data.items.length) { view.cards = cards(data.items, reply); }
        if (data.session_id) { sessionId = data.session_id; }
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
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) { name = line.slice(6).trim(); }
        if (line.indexOf("data:") === 0) { data += line.slice(5).replace(/^ /, ""); }
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

  function ensureSession() {
    if (sessionId) { return Promise.resolve(sessionId); }
    return fetch(base + "/api/v1/sessions", { method: "POST", headers: headers({}), body: "{}" })
      .then(remember)
      .then(function (r) { if (!r.ok) { return failure(r).then(function (e) { throw e; }); } return r.json(); })
      .then(function (body) { sessionId = body.session_id; return sessionId; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { return; }
    busy = true;
    send.disabled = true;
    input.value = "";
    say("user", text);
    var view = turnView(say("bot", "…"));
    ensureSession()
      .then(function (id) {
        return fetch(base + "/api/v1/sessions/" + encodeURIComponent(id) + "/messages", {
          method: "POST",
          headers: headers({ Accept: "text/event-stream" }),
          body: JSON.stringify(lang ? { text: text, language: lang } : { text: text })
        });
      })
      .then(function (r) {
        if (r.status === 404) { sessionId = null; }
        if (!r.ok) { return failure(r).then(function (e) { throw e; }); }
        return stream(r, view);
      })
      .catch(function (err) {
        view.reply.className += " concierge-error";
        view.reply.textContent = words.chat_failed + " (" + err.message + ").";
      })
      .then(function () { busy = false; send.disabled = false; });
  });
})();
