/*! Chat widget of the Sở VHTTDL public-service assistant. No framework, no build step.
 *
 * Embed with one tag (docs/widget.md):
 *   <script src="https://SERVER/widget.js" data-title="Trợ lý thủ tục hành chính" data-color="#a4161a" defer></script>
 *
 * Safety rules kept throughout: every text that comes from the server is inserted with
 * textContent / createTextNode, never as HTML; links are built with DOM APIs and only for
 * http(s) URLs. The widget lives in a shadow root so the host page's CSS cannot break it and
 * its CSS cannot leak into the page.
 */
(function () {
  "use strict";

  if (window.VhttdlWidget) { return; } // embedded twice: keep the first one

  // Everything a citizen reads, in one place. Webmasters may override title, subtitle and
  // welcome with data-* attributes on the script tag.
  var TEXT = {
    title: "Trợ lý thủ tục hành chính",
    subtitle: "Hỏi về hồ sơ, lệ phí, thời hạn, cách nộp",
    launcher: "Hỏi đáp thủ tục",
    launcherLabel: "Mở cửa sổ hỏi đáp với trợ lý thủ tục hành chính",
    close: "Đóng cửa sổ trò chuyện",
    reset: "Cuộc trò chuyện mới",
    resetLabel: "Bắt đầu cuộc trò chuyện mới (xóa nội dung đang hiển thị)",
    logLabel: "Nội dung trò chuyện",
    inputLabel: "Câu hỏi của bạn",
    placeholder: "Nhập câu hỏi…",
    send: "Gửi",
    sendLabel: "Gửi câu hỏi",
    typing: "Trợ lý đang trả lời…",
    welcome: "Xin chào! Tôi là trợ lý ảo giải đáp thủ tục hành chính của Sở. " +
      "Bạn có thể hỏi về hồ sơ cần chuẩn bị, lệ phí, thời hạn giải quyết hoặc cách nộp hồ sơ.",
    you: "Bạn nói: ",
    bot: "Trợ lý trả lời: ",
    notSent: "Chưa gửi",
    offline: "Mất kết nối mạng. Câu hỏi chưa gửi sẽ được gửi lại khi có mạng.",
    failed: "Mất kết nối tới trợ lý. Câu hỏi của bạn chưa được gửi.",
    retrying: "Mất kết nối tới trợ lý. Câu hỏi của bạn chưa được gửi, đang thử lại…",
    resend: "Gửi lại",
    rateLimited: "Bạn gửi câu hỏi hơi nhanh. Vui lòng đợi một chút rồi bấm “Gửi lại”.",
    badRequest: "Không gửi được câu hỏi này (có thể quá dài hoặc không hợp lệ). Bạn vui lòng sửa lại rồi gửi.",
    tooLong: "Câu hỏi tối đa {max} ký tự. Bạn vui lòng rút gọn.",
    counter: "{n}/{max} ký tự",
    busy: "Vui lòng đợi trợ lý trả lời câu trước.",
    noAnswer: "Xin lỗi, trợ lý chưa có câu trả lời cho câu này. Bạn có thể hỏi lại theo cách khác.",
    download: "Tải tệp: ",
    image: "Hình ảnh từ trợ lý",
    newTab: " (mở trong thẻ mới)",
    choices: "Các lựa chọn gợi ý"
  };

  var MAX_INPUT = 5000;        // the server cuts messages at 5000 characters too
  var COUNTER_FROM = 4500;     // show the counter only near the limit
  var MAX_ITEMS = 80;          // history kept across reloads
  var MAX_STORED_CHARS = 200000;
  var TIMEOUT_MS = 35000;      // the server waits up to 30 s for the assistant
  var RETRY_DELAYS = [3000, 6000, 12000]; // automatic resends after a network failure
  var SENDER_RE = /^[A-Za-z0-9_-]{8,64}$/;

  var script = document.currentScript || document.querySelector("script[src*='widget.js']");
  var data = (script && script.dataset) || {};
  var scriptUrl = script && script.src ? script.src : location.href;
  var server = withSlash(data.server || new URL(".", scriptUrl).href);
  var apiUrl = new URL("api/chat", server).href;
  var cssUrl = new URL("widget.css", scriptUrl).href;
  var storage = pickStorage(data.persist === "local" ? "localStorage" : "sessionStorage");
  var storeKey = "vhttdl-widget:" + apiUrl;

  function withSlash(url) {
    var u = new URL(url, location.href);
    if (!/\/$/.test(u.pathname)) { u.pathname += "/"; }
    return u.href;
  }

  function pickStorage(name) {
    // Storage can be disabled or full (private mode, strict settings): fall back to memory.
    try {
      var s = window[name];
      s.setItem("vhttdl-widget-probe", "1");
      s.removeItem("vhttdl-widget-probe");
      return s;
    } catch (e) {
      return null;
    }
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return String(values[k]); });
  }

  // ---- colours: pick the text colour that keeps contrast >= 4.5:1 on the configured accent ----

  function parseHex(c) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c || "");
    if (!m) { return null; }
    var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
  }

  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function palette(color) {
    var rgb = parseHex(color) || [164, 22, 26]; // #a4161a, a deep red common on .gov.vn sites
    var white = [255, 255, 255];
    return {
      accent: "rgb(" + rgb.join(",") + ")",
      onAccent: contrast(rgb, white) >= 4.5 ? "#ffffff" : "#000000",
      // The accent is also used as a text colour on white; a light accent falls back to dark grey.
      accentText: contrast(rgb, white) >= 4.5 ? "rgb(" + rgb.join(",") + ")" : "#1f2937"
    };
  }

  // ---- state kept across reloads: sender id, rendered history, open/closed, unsent message ----

  function newSender() {
    var a = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return "web-" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function freshState() {
    return { v: 1, sender: newSender(), open: false, seq: 0, items: [], pending: null };
  }

  function loadState() {
    try {
      var s = JSON.parse(storage && storage.getItem(storeKey));
      if (s && s.v === 1 && SENDER_RE.test(s.sender) && Array.isArray(s.items)) {
        s.items = s.items.filter(function (it) { return it && (it.who === "user" || it.who === "bot"); }).slice(-MAX_ITEMS);
        s.seq = s.items.reduce(function (m, it) { return Math.max(m, Number(it.id) || 0); }, Number(s.seq) || 0);
        return s;
      }
    } catch (e) { /* corrupt entry: start over */ }
    return freshState();
  }

  var state = loadState();

  function save() {
    if (state.items.length > MAX_ITEMS) { state.items = state.items.slice(-MAX_ITEMS); }
    var json = JSON.stringify(state);
    while (json.length > MAX_STORED_CHARS && state.items.length > 1) {
      state.items.shift();
      json = JSON.stringify(state);
    }
    if (!storage) { return; }
    try { storage.setItem(storeKey, json); } catch (e) { /* quota: keep the in-memory copy */ }
  }

  // ---- DOM helpers: elements and text nodes only, never markup parsing ----

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function icon(pathD) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", pathD);
    svg.appendChild(p);
    return svg;
  }

  /** Only absolute http(s) URLs (relative ones resolved against the server) become links. */
  function safeUrl(raw) {
    if (typeof raw !== "string" || !raw) { return null; }
    try {
      var u = new URL(raw, server);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(href, label, download) {
    var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" });
    if (download) { a.setAttribute("download", download); }
    a.appendChild(document.createTextNode(label));
    a.appendChild(el("span", { "class": "vw-sr", text: TEXT.newTab }));
    return a;
  }

  var URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

  /** Append `text` to `parent` as text nodes, turning http(s) URLs into links. */
  function appendLinkified(parent, text) {
    var last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text))) {
      var raw = m[0].replace(/[.,;:!?…]+$/, "");
      // A closing bracket belongs to the URL only if the URL opened one.
      while (/[)\]]$/.test(raw) && (raw.split("(").length < raw.split(")").length || raw.split("[").length < raw.split("]").length)) {
        raw = raw.slice(0, -1);
      }
      var href = safeUrl(raw);
      if (!href) { continue; }
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      parent.appendChild(link(href, raw));
      last = m.index + raw.length;
      URL_RE.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---- build the widget ----

  var pal = palette(data.color);
  var title = data.title || TEXT.title;
  var host = el("div", { id: "vhttdl-chat-widget" });
  var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var root = el("div", { "class": "vw-root" + (data.position === "left" ? " vw-left" : "") });
  root.hidden = true; // shown once the stylesheet has loaded, so it never flashes unstyled
  // CSSOM writes are allowed under a strict CSP (style-src 'self'); style attributes are not.
  root.style.setProperty("--vw-accent", pal.accent);
  root.style.setProperty("--vw-on-accent", pal.onAccent);
  root.style.setProperty("--vw-accent-text", pal.accentText);

  var css = el("link", { rel: "stylesheet", href: cssUrl });
  css.addEventListener("load", function () { root.hidden = false; });
  css.addEventListener("error", function () {
    if (window.console) { console.warn("vhttdl widget: cannot load " + cssUrl); }
  });

  var launcher = el("button", {
    type: "button", "class": "vw-launcher", "aria-haspopup": "dialog", "aria-expanded": "false",
    "aria-controls": "vw-panel", "aria-label": TEXT.launcherLabel
  }, [
    icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"),
    el("span", { "class": "vw-launcher-text", text: TEXT.launcher })
  ]);

  var titleEl = el("h2", { id: "vw-title", "class": "vw-title", text: title });
  var resetBtn = el("button", { type: "button", "class": "vw-icon-btn", "aria-label": TEXT.resetLabel, title: TEXT.reset },
    [icon("M17.7 6.3A8 8 0 1 0 20 12h-2a6 6 0 1 1-1.8-4.2L13 11h7V4z")]);
  var closeBtn = el("button", { type: "button", "class": "vw-icon-btn", "aria-label": TEXT.close, title: TEXT.close },
    [icon("M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z")]);
  var header = el("div", { "class": "vw-header" }, [
    el("div", { "class": "vw-heading" }, [titleEl, el("p", { "class": "vw-subtitle", text: data.subtitle || TEXT.subtitle })]),
    resetBtn, closeBtn
  ]);

  var log = el("div", { "class": "vw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": TEXT.logLabel, tabindex: "0" });
  var typing = el("div", { "class": "vw-typing", role: "status" });
  var alertText = el("p", { "class": "vw-alert-text" });
  var resendBtn = el("button", { type: "button", "class": "vw-resend", text: TEXT.resend });
  var alertBox = el("div", { "class": "vw-alert", role: "alert" }, [alertText, resendBtn]);
  alertBox.hidden = true;

  var input = el("textarea", {
    id: "vw-input", "class": "vw-input", rows: "1", maxlength: String(MAX_INPUT), placeholder: TEXT.placeholder,
    "aria-describedby": "vw-counter", autocomplete: "off", enterkeyhint: "send"
  });
  var counter = el("p", { id: "vw-counter", "class": "vw-counter" });
  var note = el("p", { "class": "vw-note", role: "status" });
  var sendBtn = el("button", { type: "submit", "class": "vw-send", "aria-label": TEXT.sendLabel },
    [el("span", { text: TEXT.send }), icon("M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z")]);
  var form = el("form", { "class": "vw-form", novalidate: "" }, [
    el("label", { "for": "vw-input", "class": "vw-sr", text: TEXT.inputLabel }),
    el("div", { "class": "vw-row" }, [input, sendBtn]),
    counter,
    note
  ]);

  var panel = el("div", { id: "vw-panel", "class": "vw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "vw-title" }, [header, log, typing, alertBox, form]);
  panel.hidden = true;

  root.appendChild(launcher);
  root.appendChild(panel);
  shadow.appendChild(css);
  shadow.appendChild(root);

  // ---- rendering ----

  function lastUserIndex() {
    for (var i = state.items.length - 1; i >= 0; i--) { if (state.items[i].who === "user") { return i; } }
    return -1;
  }

  function renderItem(item, withButtons) {
    var box = el("div", { "class": "vw-msg vw-" + item.who + (item.unsent ? " vw-unsent" : ""), "data-id": String(item.id) });
    box.appendChild(el("span", { "class": "vw-sr", text: item.who === "user" ? TEXT.you : TEXT.bot }));
    if (item.text) {
      var p = el("p", { "class": "vw-text" });
      if (item.who === "bot") { appendLinkified(p, item.text); } else { p.textContent = item.text; }
      box.appendChild(p);
    }
    if (item.image) {
      box.appendChild(el("img", { "class": "vw-image", src: item.image, alt: TEXT.image, loading: "lazy" }));
    }
    if (item.attachment) {
      var a = link(item.attachment.url, item.attachment.name, item.attachment.name);
      a.className = "vw-file";
      a.insertBefore(el("span", { "class": "vw-file-label", text: TEXT.download }), a.firstChild);
      box.appendChild(a);
    }
    if (item.unsent) { box.appendChild(el("span", { "class": "vw-badge", text: TEXT.notSent })); }
    if (withButtons && item.buttons && item.buttons.length) {
      var group = el("div", { "class": "vw-buttons", role: "group", "aria-label": TEXT.choices });
      item.buttons.forEach(function (b) {
        var btn = el("button", { type: "button", "class": "vw-choice", text: b.title });
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        group.appendChild(btn);
      });
      box.appendChild(group);
    }
    return box;
  }

  function renderAll() {
    var lastUser = lastUserIndex();
    log.textContent = "";
    state.items.forEach(function (item, i) { log.appendChild(renderItem(item, i > lastUser)); });
    scrollDown();
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  /** Add a message to the history and append it (only it) to the live region. */
  function addItem(item) {
    state.seq += 1;
    item.id = state.seq;
    state.items.push(item);
    if (item.who === "user") {
      // Choices offered earlier are answered or abandoned: they stop being clickable.
      Array.prototype.forEach.call(log.querySelectorAll(".vw-buttons"), function (g) { g.remove(); });
    }
    save();
    log.appendChild(renderItem(item, true));
    while (log.children.length > state.items.length) { log.removeChild(log.firstChild); }
    scrollDown();
    return item;
  }

  function markSent(id) {
    state.items.forEach(function (it) { if (it.id === id) { delete it.unsent; } });
    var node = log.querySelector('[data-id="' + id + '"]');
    if (node) {
      node.classList.remove("vw-unsent");
      var badge = node.querySelector(".vw-badge");
      if (badge) { badge.remove(); }
    }
  }

  function setTyping(on) {
    typing.textContent = "";
    typing.classList.toggle("vw-on", on);
    if (on) {
      typing.appendChild(el("span", { "class": "vw-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]));
      typing.appendChild(el("span", { "class": "vw-typing-text", text: TEXT.typing }));
    }
  }

  function showAlert(message, canResend) {
    if (alertText.textContent !== message) { alertText.textContent = message; }
    resendBtn.hidden = !canResend;
    alertBox.hidden = false;
  }

  function hideAlert() { alertBox.hidden = true; alertText.textContent = ""; }

  function showNote(message) { note.textContent = message; note.classList.toggle("vw-on", !!message); }

  function updateCounter() {
    var n = input.value.length;
    counter.textContent = n >= COUNTER_FROM ? fmt(TEXT.counter, { n: n, max: MAX_INPUT }) : "";
    counter.classList.toggle("vw-on", n >= COUNTER_FROM);
    counter.classList.toggle("vw-full", n >= MAX_INPUT);
    if (n >= MAX_INPUT) { showNote(fmt(TEXT.tooLong, { max: MAX_INPUT })); } else if (note.dataset.kind !== "sticky") { showNote(""); }
  }

  // ---- talking to the server ----

  var busy = false;
  var retryTimer = null;
  var retryCount = 0;

  /** Normalise one message of the server's list; null when there is nothing to show. */
  function toItem(m) {
    if (!m || typeof m !== "object") { return null; }
    var item = { who: "bot" };
    if (typeof m.text === "string" && m.text) { item.text = m.text.slice(0, 20000); }
    if (Array.isArray(m.buttons)) {
      item.buttons = m.buttons.filter(function (b) {
        return b && typeof b.title === "string" && b.title && typeof b.payload === "string" && b.payload;
      }).slice(0, 12).map(function (b) { return { title: b.title, payload: b.payload }; });
      if (!item.buttons.length) { delete item.buttons; }
    }
    var att = m.attachment;
    var attUrl = safeUrl(att && typeof att === "object" ? att.url : att);
    if (attUrl) {
      var name = att && typeof att.name === "string" && att.name ? att.name : fileName(attUrl);
      item.attachment = { url: attUrl, name: name };
    }
    var img = safeUrl(m.image);
    if (img) { item.image = img; }
    return item.text || item.buttons || item.attachment || item.image ? item : null;
  }

  function fileName(url) {
    var last = new URL(url).pathname.split("/").pop() || "tep";
    try { return decodeURIComponent(last); } catch (e) { return last; }
  }

  function send(message, shown) {
    if (busy) { showNote(TEXT.busy); return false; }
    if (typeof message !== "string" || !message.trim()) { return false; }
    clearRetry();
    if (state.pending) { state.pending = null; } // a newer question replaces an unsent one
    var item = addItem({ who: "user", text: shown || message, unsent: true });
    state.pending = { message: message, id: item.id };
    save();
    retryCount = 0;
    deliver();
    return true;
  }

  function deliver() {
    var pending = state.pending;
    if (!pending || busy) { return; }
    clearRetry();
    if (navigator.onLine === false) { showAlert(TEXT.offline, true); return; }
    busy = true;
    form.setAttribute("aria-busy", "true");
    setTyping(true);
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) { ctrl.abort(); } }, TIMEOUT_MS);
    fetch(apiUrl, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: pending.message.slice(0, MAX_INPUT) }),
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (r) {
      if (r.status === 429) {
        return r.json().catch(function () { return null; }).then(function (j) {
          // The gateway answers 429 with a list of messages like a normal reply; other servers may
          // send {"message": ...}. Either way the server's Vietnamese text wins over ours.
          var said = Array.isArray(j) && j[0] && typeof j[0].text === "string" ? j[0].text
            : (j && typeof j.message === "string" ? j.message : "");
          fail("rate", said || TEXT.rateLimited);
        });
      }
      if (r.status === 400 || r.status === 413 || r.status === 422) { fail("bad", TEXT.badRequest); return null; }
      if (!r.ok) { fail("network"); return null; }
      return r.json().then(function (list) {
        if (!Array.isArray(list)) { throw new Error("not a list"); }
        succeed(pending, list);
      });
    }).catch(function () {
      fail("network");
    }).then(function () {
      clearTimeout(timer);
    });
  }

  function finish() {
    busy = false;
    form.removeAttribute("aria-busy");
    setTyping(false);
    if (note.textContent === TEXT.busy) { showNote(""); }
  }

  function succeed(pending, list) {
    finish();
    state.pending = null;
    retryCount = 0;
    markSent(pending.id);
    hideAlert();
    if (note.dataset.kind === "sticky") { delete note.dataset.kind; showNote(""); }
    var items = list.map(toItem).filter(Boolean);
    if (!items.length) { items = [{ who: "bot", text: TEXT.noAnswer }]; }
    items.forEach(addItem);
    save();
  }

  function fail(kind, message) {
    if (!busy) { return; } // the response already settled this request
    finish();
    if (kind === "bad") {
      // Resending the same text would fail again: give it back to the citizen to edit.
      var pending = state.pending;
      state.pending = null;
      if (pending && !input.value) { input.value = pending.message; updateCounter(); }
      hideAlert();
      note.dataset.kind = "sticky";
      showNote(message);
    } else if (kind === "rate") {
      showAlert(message, true);
    } else if (retryCount < RETRY_DELAYS.length) {
      showAlert(TEXT.retrying, true);
      retryTimer = setTimeout(function () { retryTimer = null; retryCount += 1; deliver(); }, RETRY_DELAYS[retryCount]);
    } else {
      showAlert(TEXT.failed, true);
    }
    save();
  }

  function clearRetry() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
  }

  // ---- open / close ----

  function open(focus) {
    panel.hidden = false;
    root.classList.add("vw-open");
    launcher.setAttribute("aria-expanded", "true");
    if (!state.items.length) { addItem({ who: "bot", text: data.welcome || TEXT.welcome, local: true }); }
    state.open = true;
    save();
    scrollDown();
    if (focus !== false) { input.focus(); }
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("vw-open");
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  function reset() {
    clearRetry();
    state = freshState();
    state.open = true;
    hideAlert();
    showNote("");
    renderAll();
    addItem({ who: "bot", text: data.welcome || TEXT.welcome, local: true });
    input.focus();
  }

  // ---- events ----

  var composing = false;
  var submitAfterComposition = false;

  function submitInput() {
    if (composing) { submitAfterComposition = true; return; } // finish the word first
    var text = input.value;
    if (!text.trim()) { input.value = ""; return; }
    if (text.length > MAX_INPUT) { showNote(fmt(TEXT.tooLong, { max: MAX_INPUT })); return; }
    if (note.dataset.kind === "sticky") { delete note.dataset.kind; showNote(""); }
    if (send(text.trim())) {
      input.value = "";
      autoGrow();
      updateCounter();
    }
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }

  launcher.addEventListener("click", function () { open(true); });
  closeBtn.addEventListener("click", close);
  resetBtn.addEventListener("click", reset);
  resendBtn.addEventListener("click", function () { retryCount = 0; deliver(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); submitInput(); });

  // Vietnamese input methods (Telex, VNI on ibus/macOS/mobile keyboards) compose a syllable
  // before committing it; Enter during composition confirms the syllable and must not send.
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () {
    composing = false;
    if (submitAfterComposition) {
      submitAfterComposition = false;
      setTimeout(submitInput, 0);
    }
  });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey) { return; }
    // keyCode 229: Safari fires compositionend before this keydown, but still marks it as IME input.
    if (e.isComposing || composing || e.keyCode === 229) { return; }
    e.preventDefault();
    submitInput();
  });
  input.addEventListener("input", function () { autoGrow(); updateCounter(); });

  panel.addEventListener("keydown", function (e) {
    if ((e.key === "Escape" || e.key === "Esc") && !e.isComposing && !composing) {
      e.preventDefault();
      close();
    }
  });

  window.addEventListener("offline", function () { showAlert(TEXT.offline, !!state.pending); });
  window.addEventListener("online", function () {
    if (alertText.textContent === TEXT.offline) { hideAlert(); }
    if (state.pending && !busy) { retryCount = 0; deliver(); }
  });

  // ---- start ----

  function start() {
    renderAll();
    document.body.appendChild(host);
    if (state.pending) {
      // The page was reloaded while a question was unsent or on its way: offer to send it.
      showAlert(navigator.onLine === false ? TEXT.offline : TEXT.failed, true);
    }
    if (state.open) { open(false); } // reopen as it was, without stealing focus from the page
  }

  window.VhttdlWidget = { open: function () { open(true); }, close: close, reset: reset };

  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
