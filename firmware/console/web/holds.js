"use strict";
// Holds for sampling (待采样): the panel of the people this lane sent to
// the sampling point, pending first, and the 返回人员 box of the visitor
// form, whose arrival time shows only when ticked. Kept apart from
// console.js: it polls api/holds itself and takes the language from
// <html lang>, as visits.js does.
(() => {
  const H = {
    zh: { title: "待采样人员", pending: "待结果", released: "已解除", sampled: "当日采样记录", none: "无",
          since: "起", returnee: "返回人员（到达即检）", arrived: "到达时间", from: "来自", pass: "出入证" },
    en: { title: "Held for sampling", pending: "waiting", released: "released", sampled: "same-day sampling record", none: "none",
          since: "since", returnee: "Returnee (tested on arrival)", arrived: "Arrived at", from: "from", pass: "pass" },
  };
  const $ = id => document.getElementById(id);
  const el = (tag, attrs = {}, ...kids) => { const e = Object.assign(document.createElement(tag), attrs); e.append(...kids); return e; };
  const t = () => H[document.documentElement.lang === "en" ? "en" : "zh"];
  const clock = iso => { const d = new Date(iso); return isNaN(d) || d.getFullYear() < 2000 ? "" : d.toLocaleString(document.documentElement.lang, { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }); };
  let holds = { pending: 0, holds: [] };

  const panel = el("details", { className: "panel", id: "holds-panel", open: true },
    el("summary", { id: "holds-title" }), el("ul", { id: "holds-list" }));
  $("register").after(panel);
  const box = $("reg-returnee"), row = $("reg-arrived-row");
  box.addEventListener("change", () => { row.hidden = !box.checked; });
  $("register").addEventListener("reset", () => { row.hidden = true; });

  const who = h => [h.name, h.phone, h.pass ? `${t().pass} ${h.pass}` : "", h.origin ? `${t().from} ${h.origin}` : "", h.household]
    .filter(Boolean).join(" · ");
  function draw() {
    $("reg-returnee-label").textContent = t().returnee;
    $("reg-arrived-label").textContent = t().arrived;
    $("holds-title").textContent = `${t().title}：${holds.pending}`;
    const list = $("holds-list");
    list.replaceChildren(...holds.holds.map(h => el("li", { className: h.released ? "hold released" : "hold pending", title: h.entry },
      el("span", { className: "hold-who" }, who(h) || "—"), " ",
      el("span", { className: "hold-since" }, `${clock(h.since)} ${t().since}`), " ",
      el("strong", { className: "hold-state" }, h.released ? `${t().released} ${clock(h.released_at)}${h.sampled_here ? " · " + t().sampled : ""}` : t().pending))));
    if (!holds.holds.length) list.append(el("li", {}, t().none));
  }
  async function poll() {
    try {
      const r = await fetch("api/holds", { credentials: "same-origin" });
      if (r.ok) holds = await r.json();
    } catch (_) { /* the lane's own page: try again next tick */ }
    draw();
  }
  new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  poll();
  setInterval(poll, 2000);
})();
