// Local chat page: talks to /api/chat (relayed to Rasa). Bot text is always inserted as text,
// never as HTML; links are created as elements. The conversation survives page reloads.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var status = document.getElementById("status");
  var KEY = "vhttdl-chat";

  function newSender() {
    var a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return "web-" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var state = JSON.parse(localStorage.getItem(KEY) || "null") || { sender: newSender(), items: [] };
  function save() { localStorage.setItem(KEY, JSON.stringify(state)); }

  function appendText(el, text) {
    var re = /(https?:\/\/[^\s)]+)/g, last = 0, m;
    while ((m = re.exec(text))) {
      el.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement("a");
      a.href = m[1]; a.textContent = m[1]; a.target = "_blank"; a.rel = "noopener noreferrer";
      el.appendChild(a);
      last = m.index + m[1].length;
    }
    el.appendChild(document.createTextNode(text.slice(last)));
  }

  function render(item, live) {
    var li = document.createElement("li");
    li.className = "msg " + item.who;
    appendText(li, item.text || "");
    if (item.buttons && item.buttons.length && live) {
      var box = document.createElement("div");
      box.className = "buttons";
      item.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        box.appendChild(btn);
      });
      li.appendChild(box);
    }
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function redraw() {
    // Buttons stay clickable only on the bot's latest turn (after the last user message).
    var lastUser = -1;
    state.items.forEach(function (item, i) { if (item.who === "user") { lastUser = i; } });
    log.textContent = "";
    state.items.forEach(function (item, i) { render(item, i > lastUser); });
  }

  function add(item) {
    state.items.push(item);
    state.items = state.items.slice(-100);
    save();
    redraw();
  }

  function send(message, shown) {
    add({ who: "user", text: shown || message });
    status.textContent = "Trợ lý đang trả lời…";
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message })
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (messages) {
      status.textContent = "";
      if (!messages.length) { add({ who: "bot", text: "(Trợ lý không có câu trả lời.)" }); }
      messages.forEach(function (m) { add({ who: "bot", text: m.text || "", buttons: m.buttons || [] }); });
    }).catch(function () {
      status.textContent = "Mất kết nối tới trợ lý. Bạn vui lòng thử lại.";
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });
  // Vietnamese input methods (Telex/VNI) compose characters: never send half-composed text.
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.isComposing) { e.preventDefault(); }
  });
  document.getElementById("reset").addEventListener("click", function () {
    state = { sender: newSender(), items: [] };
    save();
    redraw();
    input.focus();
  });
  redraw();
  input.focus();
})();
