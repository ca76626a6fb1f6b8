"use strict";
// The roll-call panel (晨午晚检): the current round and, by group and
// class, who has not been checked yet; tapping a name fills the form, and
// a reading typed from a handheld thermometer checks them. Kept apart
// from console.js; it reads the page's language from <html lang>.
(() => {
  const T = {
    zh: { title: "晨午检点名", round: (r, n, total) => `当前：${r}　已检 ${n}/${total}`, none: "现在不在检查时段",
          unsynced: "时钟未同步，无法判定检查轮次", id: "编号（如 P2026000123）", temp: "体温 °C", submit: "记录体温",
          unchecked: "未检", checked: "已检", fever: "发热", groups: { pupil: "学生", teacher: "教师", staff: "员工", worker: "工人" },
          done: (id, c) => `已记录 ${id} ${c} °C`, feverDone: (id, c) => `${id} ${c} °C 体温异常，已上报` },
    en: { title: "Roll call", round: (r, n, total) => `Now: ${r} · checked ${n}/${total}`, none: "No round is open now",
          unsynced: "Clock not synced: the round cannot be told", id: "Id (P2026000123)", temp: "Temperature °C", submit: "Record",
          unchecked: "Not yet", checked: "Checked", fever: "fever", groups: { pupil: "pupils", teacher: "teachers", staff: "staff", worker: "workers" },
          done: (id, c) => `Recorded ${id} ${c} °C`, feverDone: (id, c) => `${id} ${c} °C fever, reported` },
  };
  const $ = id => document.getElementById(id);
  const t = () => T[document.documentElement.lang === "en" ? "en" : "zh"];
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const errText = b => (t() === T.zh ? b.error : b.error_en) || b.error || "";
  let board = null;

  async function refresh() {
    try {
      const r = await fetch("api/rollcall", { cache: "no-store" });
      board = r.ok ? await r.json() : null;
    } catch { board = null; }
    render();
  }

  function person(p, cls) {
    const b = el("button", p.name + (p.temp_c ? ` ${p.temp_c}` : ""), "chip " + cls + (p.fever ? " bad" : ""));
    b.type = "button"; b.dataset.id = p.id;
    b.onclick = () => { $("rc-id").value = p.id; $("rc-temp").focus(); };
    return b;
  }

  function render() {
    const s = t();
    $("rc-title").textContent = s.title;
    $("rc-id").placeholder = s.id; $("rc-temp").placeholder = s.temp; $("rc-submit").textContent = s.submit;
    $("rollcall-panel").hidden = !board || !board.on || board.total === 0;
    if (!board) return;
    $("rc-round").textContent = board.in_round ? s.round(board.round, board.checked, board.total) : (board.synced ? s.none : s.unsynced);
    $("rc-form").hidden = !board.in_round;
    $("rc-groups").replaceChildren(...board.groups.map(g => {
      const box = el("div", undefined, "rc-group");
      box.dataset.group = g.group; box.dataset.class = g.class;
      box.append(el("h3", `${g.class || ""} ${s.groups[g.group] || g.group} · ${s.unchecked} ${g.unchecked.length}`));
      const un = el("div", undefined, "rc-unchecked"); un.append(...g.unchecked.map(p => person(p, "open")));
      const ok = el("div", undefined, "rc-checked"); ok.append(...g.checked.map(p => person(p, "good")));
      box.append(un, ok);
      return box;
    }));
  }

  $("rc-form").onsubmit = async ev => {
    ev.preventDefault();
    const id = $("rc-id").value.trim(), temp = parseFloat($("rc-temp").value);
    const r = await fetch("api/rollcall/check", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": window.kakouCSRF || "" },
      body: JSON.stringify({ id, temp_c: temp }) });
    const b = await r.json().catch(() => ({}));
    const s = t();
    $("rc-error").textContent = r.ok ? (b.alert ? s.feverDone(id, temp) : s.done(id, temp)) : errText(b);
    $("rc-error").className = r.ok && !b.alert ? "ok" : "err";
    if (r.ok) { $("rc-id").value = ""; $("rc-temp").value = ""; }
    refresh();
  };
  $("lang").addEventListener("click", render);
  refresh();
  setInterval(refresh, 15000);
})();
