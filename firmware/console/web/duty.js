"use strict";
// The duty log (值守日志) and the hand-over sheet (交接班): reminders of the
// duties due, a button to log one, and the sheet for the incoming guard.
// Kept apart from console.js; it reads the page's language from <html lang>.
(() => {
  const T = {
    zh: { title: "值守日志", due: "到期提醒", none: "当前没有到期任务", done: "已完成", log: "记录完成",
          upcoming: "未到时间", missed: "未完成", note: "备注（可选）", staffing: n => `双岗：需 ${n.need} 人，本岗已签到 ${n.on_duty} 人`,
          hoTitle: "交接班", incoming: "接班人员编号", incomingName: "接班人员姓名", hoNote: "交接事项",
          preview: "预览交接单", handOver: "确认交班", print: "打印",
          sheet: "交接单", since: "本班开始", counts: "本班计数", inside: "场内访客", open: "待处理（复测/转诊/登记）",
          outgoing: "交班", incomingL: "接班", noneRow: "无", recorded: "交接已记录",
          decisions: { allow: "通过", deny: "禁止", recheck: "复测", register: "登记", refer: "转诊", persuade_return: "劝返", wait: "等候" } },
    en: { title: "Duty log", due: "Due now", none: "Nothing due", done: "done", log: "Log as done",
          upcoming: "later", missed: "missed", note: "Note (optional)", staffing: n => `Two guards: ${n.need} needed, ${n.on_duty} signed in here`,
          hoTitle: "Shift hand-over", incoming: "Incoming guard id", incomingName: "Incoming guard name", hoNote: "Notes",
          preview: "Preview sheet", handOver: "Hand over", print: "Print",
          sheet: "Hand-over sheet", since: "Shift began", counts: "Counts of the shift", inside: "Visitors inside", open: "Open (re-check/referral/registration)",
          outgoing: "Outgoing", incomingL: "Incoming", noneRow: "none", recorded: "Hand-over recorded",
          decisions: { allow: "pass", deny: "denied", recheck: "re-check", register: "register", refer: "referred", persuade_return: "returned", wait: "wait" } },
  };
  const $ = id => document.getElementById(id);
  const t = () => T[document.documentElement.lang === "en" ? "en" : "zh"];
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const hhmm = s => s ? new Date(s).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false }) : "";
  const errText = b => (t() === T.zh ? b.error : b.error_en) || b.error || "";
  let duties = null, sheet = null;

  async function post(path, body) {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": window.kakouCSRF || "" }, body: JSON.stringify(body) });
    return { ok: r.ok, body: await r.json().catch(() => ({})) };
  }

  async function refresh() {
    try {
      const r = await fetch("api/duties", { cache: "no-store" });
      duties = r.ok ? await r.json() : null;
    } catch { duties = null; }
    render();
  }

  async function logDuty(id) {
    const res = await post("api/duty", { duty: id, note: $("duty-note").value });
    $("duty-error").textContent = res.ok ? "" : errText(res.body);
    if (res.ok) $("duty-note").value = "";
    refresh();
  }

  function turnRow(turn, s) {
    const li = el("li", `${turn.name} ${turn.slot} · `, "turn " + turn.state);
    li.dataset.duty = turn.duty; li.dataset.state = turn.state;
    if (turn.state === "done") li.append(`${s.done} ${turn.by_name || turn.by || ""} ${hhmm(turn.at)}`);
    else li.append(s[turn.state] || s.due);
    return li;
  }

  function render() {
    const s = t();
    $("duty-title").textContent = s.title;
    $("duty-note").placeholder = s.note;
    $("ho-title").textContent = s.hoTitle;
    $("ho-incoming").placeholder = s.incoming; $("ho-incoming-name").placeholder = s.incomingName; $("ho-note").placeholder = s.hoNote;
    $("ho-preview").textContent = s.preview; $("ho-submit").textContent = s.handOver; $("ho-print").textContent = s.print;
    $("duty-panel").hidden = !duties || duties.turns.length === 0 && !duties.staffing.enabled;
    if (!duties) return;
    const due = $("duty-due");
    due.replaceChildren();
    due.className = duties.due.length ? "reminder shown" : "reminder";
    due.append(el("strong", duties.due.length ? s.due + "：" : s.none));
    const seen = new Set();
    for (const turn of duties.due) {
      if (seen.has(turn.duty)) continue;
      seen.add(turn.duty);
      const b = el("button", `${turn.name} ${turn.slot} · ${s.log}`, "go");
      b.type = "button"; b.dataset.duty = turn.duty;
      b.onclick = () => logDuty(turn.duty);
      due.append(b);
    }
    $("duty-turns").replaceChildren(...duties.turns.map(turn => turnRow(turn, s)));
    const st = duties.staffing;
    $("duty-staffing").textContent = st.enabled ? s.staffing(st) : "";
    $("duty-staffing").className = st.enabled ? "chip " + (st.short ? "bad" : "good") : "";
    if (sheet) renderSheet(sheet);
  }

  function rows(list, s) {
    if (!list.length) return [el("li", s.noneRow)];
    return list.map(r => el("li", `${hhmm(r.time)} ${r.name || ""} ${r.decision ? s.decisions[r.decision] || r.decision : ""} (${r.entry})`));
  }

  function renderSheet(sh) {
    const s = t(), out = $("ho-sheet");
    out.hidden = false;
    const counts = Object.entries(sh.counts || {}).map(([d, n]) => `${s.decisions[d] || d} ${n}`).join(" · ") || "0";
    const who = [sh.outgoing ? `${s.outgoing}：${sh.outgoing.name || sh.outgoing.id}` : ""];
    const shift = sh.entry && sh.entry.record.shift;
    if (shift) who.push(`${s.incomingL}：${shift.incoming_name || shift.incoming}`);
    out.replaceChildren(
      el("h3", shift ? `${s.sheet} · ${s.recorded}` : s.sheet),
      el("p", who.filter(Boolean).join("　")),
      el("p", `${s.since}：${new Date(sh.since).toLocaleString("zh-CN", { hour12: false })}`),
      el("p", `${s.counts}：${counts}`),
      el("h4", `${s.inside} (${sh.inside.length})`), Object.assign(el("ul"), { id: "ho-inside" }),
      el("h4", `${s.open} (${sh.open.length})`), Object.assign(el("ul"), { id: "ho-open" }));
    $("ho-inside").replaceChildren(...rows(sh.inside, s));
    $("ho-open").replaceChildren(...rows(sh.open, s));
  }

  async function preview() {
    const r = await fetch("api/handover", { cache: "no-store" });
    const b = await r.json().catch(() => ({}));
    $("ho-error").textContent = r.ok ? "" : errText(b);
    if (r.ok) { sheet = b; renderSheet(b); }
  }

  $("ho-preview").onclick = preview;
  $("ho-print").onclick = () => window.print();
  $("handover").onsubmit = async ev => {
    ev.preventDefault();
    const res = await post("api/handover", { incoming: $("ho-incoming").value.trim(),
      incoming_name: $("ho-incoming-name").value.trim(), note: $("ho-note").value });
    $("ho-error").textContent = res.ok ? "" : errText(res.body);
    if (res.ok) { sheet = res.body; renderSheet(res.body); refresh(); }
  };
  $("lang").addEventListener("click", render);
  refresh();
  setInterval(refresh, 15000);
})();
