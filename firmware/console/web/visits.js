"use strict";
// Visits (及时销号): at an entrance, the code and QR of the visit a
// registration opened, with a print button when a receipt printer is set;
// at an exit, the close-out panel in place of the visitor form; on both,
// the visitors still inside as this unit knows them. Kept apart from
// console.js: it reads api/state itself and the language from <html lang>.
(() => {
  const V = {
    zh: { code: "访客码", print: "打印凭证", printed: "已打印", done: "完成", show: "离开时请在出口出示此码",
          exitTitle: "访客出场销号", byCode: "访客码", byPhone: "手机号", byID: "证件号", close: "销号",
          confirm: "确认，由中心核销", closed: "已销号", recorded: "已记录，由中心核对", stay: "停留",
          exitsToday: "今日出场", insideHere: "本机登记在场访客", inside: "场内访客", none: "无",
          overstay: "超时", h: "小时", m: "分钟", entered: "入场" },
    en: { code: "Visit code", print: "Print slip", printed: "Printed", done: "Done", show: "Show this code at the exit",
          exitTitle: "Close out a visitor", byCode: "Visit code", byPhone: "Phone", byID: "ID number", close: "Close out",
          confirm: "Confirm: the centre matches it", closed: "Closed out", recorded: "Recorded; the centre matches it", stay: "stayed",
          exitsToday: "Exits today", insideHere: "Visitors registered here still inside", inside: "Visitors inside", none: "none",
          overstay: "OVERSTAY", h: "h", m: "min", entered: "in at" },
  };
  const $ = id => document.getElementById(id);
  const el = (tag, attrs = {}, ...kids) => { const e = Object.assign(document.createElement(tag), attrs); e.append(...kids); return e; };
  const t = () => V[document.documentElement.lang === "en" ? "en" : "zh"];
  const stay = s => s == null ? "" : `${Math.floor(s / 3600)}${t().h}${Math.floor(s % 3600 / 60)}${t().m}`;
  let lane = null, lastID = null, shown = null, mode = "code", pendingConfirm = null, inside = { count: 0, inside: [] }, today = 0;

  document.head.append(el("link", { rel: "stylesheet", href: "static/visits.css" }));
  const visitPanel = el("div", { className: "panel", id: "visit-panel", hidden: true },
    el("div", { id: "visit-label" }), el("div", { id: "visit-code" }), el("img", { id: "visit-qr", alt: "QR" }),
    el("div", { id: "visit-who" }), el("div", { id: "visit-show" }),
    el("button", { id: "visit-print", className: "go", type: "button", hidden: true }), " ",
    el("button", { id: "visit-done", type: "button" }), el("div", { className: "err", id: "visit-error" }));
  const exitPanel = el("form", { className: "panel", id: "exit-panel", hidden: true, autocomplete: "off" },
    el("h2", { id: "exit-title" }),
    el("div", { className: "modes" }, ...["code", "phone", "id"].map(m => el("button", { type: "button", id: "exit-mode-" + m, onclick: () => { mode = m; pendingConfirm = null; draw(); } }))),
    el("input", { id: "exit-input", inputMode: "numeric", maxLength: 80, required: true }),
    el("button", { id: "exit-submit", className: "go", type: "submit" }), " ",
    el("button", { id: "exit-confirm", className: "stop", type: "button", hidden: true }),
    el("div", { id: "exit-result" }), el("div", { className: "err", id: "exit-error" }), el("div", { id: "exit-counts" }));
  const insidePanel = el("details", { className: "panel", id: "inside-panel" }, el("summary", { id: "inside-title" }), el("ul", { id: "inside-list" }));
  const anchor = $("register");
  anchor.before(visitPanel, exitPanel);
  $("override").after(insidePanel);

  function draw() {
    const v = t();
    const exit = lane === "out";
    // An exit lane matches and counts; the visitor form and the mask check
    // belong to the entrance.
    for (const id of ["register", "mask-panel"]) if ($(id)) $(id).hidden = exit;
    exitPanel.hidden = !exit;
    visitPanel.hidden = exit || !shown;
    $("visit-label").textContent = v.code; $("visit-show").textContent = v.show;
    $("visit-print").textContent = v.print; $("visit-done").textContent = v.done;
    if (shown) {
      $("visit-code").textContent = shown.visit.code;
      $("visit-who").textContent = `${shown.visit.name} ${shown.visit.phone || ""} ${shown.visit.destination ? "→ " + shown.visit.destination : ""}`;
      $("visit-print").hidden = !shown.printer;
    }
    $("exit-title").textContent = v.exitTitle;
    for (const m of ["code", "phone", "id"]) {
      $("exit-mode-" + m).textContent = v[{ code: "byCode", phone: "byPhone", id: "byID" }[m]];
      $("exit-mode-" + m).classList.toggle("on", m === mode);
    }
    $("exit-input").inputMode = mode === "id" ? "text" : "numeric";
    $("exit-submit").textContent = v.close; $("exit-confirm").textContent = v.confirm;
    $("exit-confirm").hidden = !pendingConfirm;
    $("exit-counts").textContent = `${v.exitsToday} ${today} · ${v.insideHere} ${inside.count}`;
    $("inside-title").textContent = `${v.inside} ${inside.count}`;
    $("inside-list").replaceChildren(...(inside.inside.length ? inside.inside.map(x =>
      el("li", { className: x.overstay ? "over" : "" }, `${x.code} ${x.name} ${x.destination || ""} · ${v.stay} ${stay(x.stay_seconds)}${x.overstay ? " · " + v.overstay : ""}`)) : [el("li", {}, v.none)]));
  }

  async function poll() {
    try {
      const s = await (await fetch("api/state", { cache: "no-store" })).json();
      lane = s.lane;
      today = Object.values(s.today || {}).reduce((a, b) => a + b, 0);
      // The newest result on screen that opened or continues a visit.
      const last = [...(s.open || []), ...(s.recent || [])].map(x => x.entry)
        .filter(e => e.visit).sort((a, b) => b.seq - a.seq)[0];
      if (lane === "in" && last && last.id !== lastID) {
        lastID = last.id;
        // The entry itself, or the visit it continues (a mask mark after
        // admission); a 404 is a person who opened none.
        const r = await fetch(`api/visit/${encodeURIComponent(last.id)}`, { cache: "no-store" });
        if (r.ok) {
          const got = await r.json();
          if (!shown || shown.visit.entry !== got.visit.entry) {
            shown = got;
            $("visit-qr").src = `api/visit/${encodeURIComponent(got.visit.entry)}/qr`;
            $("visit-error").textContent = "";
          }
        }
      }
      const r = await fetch("api/inside", { cache: "no-store" });
      if (r.ok) inside = await r.json();
    } catch (err) { /* the unit is restarting; try again */ }
    draw();
  }

  async function post(path, body) {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": window.kakouCSRF || "" }, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  }

  async function closeOut(confirm) {
    const v = t(), value = $("exit-input").value.trim();
    $("exit-error").textContent = ""; $("exit-result").textContent = ""; $("exit-result").className = "";
    const r = await post("api/exit", { [mode]: value, confirm });
    pendingConfirm = r.status === 409 && r.body.confirm ? value : null;
    if (r.status !== 200) { $("exit-error").textContent = r.body.error; draw(); return; }
    const c = r.body.entry.close_out, who = r.body.visit;
    const secs = c.stay_seconds || (who && who.stay_seconds);
    $("exit-result").className = "closed";
    $("exit-result").textContent = [c.visit ? v.closed : v.recorded, c.code || "", who ? who.name : "",
      secs ? `${v.stay} ${stay(secs)}` : ""].filter(Boolean).join(" · ");
    $("exit-input").value = "";
    await poll();
  }

  exitPanel.onsubmit = ev => { ev.preventDefault(); closeOut(false); };
  $("exit-confirm").onclick = () => { if (pendingConfirm) { $("exit-input").value = pendingConfirm; closeOut(true); } };
  $("visit-done").onclick = () => { shown = null; draw(); };
  $("visit-print").onclick = async () => {
    const r = await post(`api/visit/${encodeURIComponent(shown.visit.entry)}/print`, {});
    $("visit-error").textContent = r.status === 200 ? t().printed : r.body.error;
  };
  $("lang").addEventListener("click", () => setTimeout(draw, 0));
  poll();
  setInterval(poll, 2000);
})();
