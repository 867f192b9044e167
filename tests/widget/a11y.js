// Basic accessibility audit of the widget, run inside the page by the browser tests (an
// axe-like subset: names, roles, live region, dialog labelling, text contrast).
// Usage: page.evaluate(A11Y_JS, "vhttdl-chat-widget") -> {problems: [...], checked: n}
(hostId) => {
  const root = document.getElementById(hostId).shadowRoot;
  const problems = [];
  let checked = 0;

  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const parentOf = (n) => n.parentElement || (n.parentNode && n.parentNode.host) || null;
  const background = (node) => {
    for (let n = node; n; n = parentOf(n)) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg && bg.a > 0.5) return bg;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const visible = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 2 && r.height > 2 && getComputedStyle(e).visibility !== "hidden";
  };
  const byId = (id) => root.getElementById(id);
  const name = (e) => {
    if (e.getAttribute("aria-label")) return e.getAttribute("aria-label").trim();
    if (e.getAttribute("aria-labelledby")) {
      return e.getAttribute("aria-labelledby").split(" ").map((id) => (byId(id) || {}).textContent || "").join(" ").trim();
    }
    if (e.id) { const l = root.querySelector(`label[for="${e.id}"]`); if (l) return l.textContent.trim(); }
    return (e.textContent || "").trim();
  };

  // Every control has an accessible name.
  root.querySelectorAll("button, textarea, input, select, a[href]").forEach((e) => {
    checked++;
    if (!name(e)) problems.push(`no accessible name: <${e.tagName.toLowerCase()} class="${e.className}">`);
  });
  // Live region for the conversation; labelled dialog.
  const log = root.querySelector('[role="log"]');
  if (!log) problems.push("no role=log");
  else if (log.getAttribute("aria-live") !== "polite") problems.push("log is not aria-live=polite");
  const dialog = root.querySelector('[role="dialog"]');
  if (!dialog) problems.push("no role=dialog");
  else if (!name(dialog)) problems.push("dialog has no accessible name");
  // No ids used twice inside the widget.
  const ids = [...root.querySelectorAll("[id]")].map((e) => e.id);
  ids.filter((id, i) => ids.indexOf(id) !== i).forEach((id) => problems.push(`duplicate id ${id}`));
  // Contrast of every visible element that directly holds text (sr-only text excluded).
  root.querySelectorAll("*").forEach((e) => {
    const hasText = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText || !visible(e) || e.closest(".vw-sr")) return;
    checked++;
    const fg = parse(getComputedStyle(e).color), bg = background(e);
    const r = ratio(fg, bg);
    if (r < 4.5) problems.push(`contrast ${r.toFixed(2)} < 4.5 for "${e.textContent.trim().slice(0, 40)}"`);
  });
  root.querySelectorAll("textarea").forEach((t) => {
    if (!visible(t)) return;
    checked++;
    const r = ratio(parse(getComputedStyle(t, "::placeholder").color), background(t));
    if (r < 4.5) problems.push(`placeholder contrast ${r.toFixed(2)} < 4.5`);
  });
  return { problems, checked };
}
