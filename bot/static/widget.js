/* Concierge chat widget: <script src="https://HOST/widget.js" data-token="JWT"></script>
   Plain JS, no dependencies, no CDN. All text is set with textContent (never innerHTML). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src).origin;
  var token = script.getAttribute("data-token") || "";
  var sessionId = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  var css = el("link");
  css.rel = "stylesheet";
  css.href = base + "/widget.css";
  document.head.appendChild(css);

  var bubble = el("button", "concierge-bubble", "💬");
  bubble.id = "concierge-bubble";
  bubble.setAttribute("aria-label", "Open chat");
  var panel = el("div", "concierge-panel");
  panel.id = "concierge-panel";
  panel.hidden = true;
  var log = el("div", "concierge-log");
  log.id = "concierge-log";
  var form = el("form", "concierge-form");
  var input = el("input", "concierge-input");
  input.id = "concierge-input";
  input.placeholder = "Ask for a film…";
  input.maxLength = 4000;
  var send = el("button", "concierge-send", "Send");
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(el("div", "concierge-head", "Concierge"));
  panel.appendChild(log);
  panel.appendChild(form);
  document.body.appendChild(panel);
  document.body.appendChild(bubble);
  bubble.addEventListener("click", function () { panel.hidden = !panel.hidden; if (!panel.hidden) { input.focus(); } });

  function headers(extra) {
    var h = { "Content-Type": "application/json" };
    if (token) { h.Authorization = "Bearer " + token; }
    for (var k in extra) { h[k] = extra[k]; }
    return h;
  }
  function remember(response) {
    var fresh = response.headers.get("X-Concierge-Token");
    if (fresh && !token) { token = fresh; }
    return response;
  }
  function say(role, text) {
    var line = el("div", "concierge-msg concierge-" + role, text);
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
    return line;
  }
  function cards(items) {
    var box = el("div", "concierge-cards");
    items.forEach(function (item) {
      var card = el("div", "concierge-card");
      card.appendChild(el("div", "concierge-title", item.title + (item.year ? " (" + item.year + ")" : "")));
      card.appendChild(el("div", "concierge-genres", (item.genres || []).join(", ")));
      card.appendChild(el("div", "concierge-reason", item.reason || ""));
      box.appendChild(card);
    });
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
  }
  function ensureSession() {
    if (sessionId) { return Promise.resolve(sessionId); }
    return fetch(base + "/api/v1/sessions", { method: "POST", headers: headers({}), body: "{}" })
      .then(remember)
      .then(function (r) { if (!r.ok) { throw new Error("session: HTTP " + r.status); } return r.json(); })
      .then(function (body) { sessionId = body.session_id; return sessionId; });
  }
  function handle(eventName, data, reply) {
    if (eventName === "token") { reply.textContent += data.text; }
    if (eventName === "done") {
      reply.textContent = data.reply;
      if (data.items && data.items.length) { cards(data.items); }
    }
  }
  function stream(response, reply) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) { return; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(function (part) {
          var name = "message", data = "";
          part.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) { name = line.slice(7); }
            if (line.indexOf("data: ") === 0) { data += line.slice(6); }
          });
          if (data) { handle(name, JSON.parse(data), reply); }
        });
        return pump();
      });
    }
    return pump();
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    say("user", text);
    var reply = say("bot", "");
    ensureSession()
      .then(function (id) {
        return fetch(base + "/api/v1/sessions/" + encodeURIComponent(id) + "/messages", {
          method: "POST",
          headers: headers({ Accept: "text/event-stream" }),
          body: JSON.stringify({ text: text })
        });
      })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return stream(r, reply); })
      .catch(function (err) { reply.textContent = "Sorry, the chat is unavailable (" + err.message + ")."; });
  });
})();
