"use strict";
const T = {
  zh: { allow: "通过", recheck: "请复测", register: "请登记", wait: "请等候", deny: "禁止通行", refer: "转发热门诊", hold: "请前往采样点",
        persuade_return: "劝返", ready: "请扫码", manual: "测温仪故障：请用手持测温枪测量后输入体温", submit: "确认",
        uplink: "上传", up: "正常", down: "离线（数据已本地保存）", thermometer: "测温仪", scanner: "扫码器", idcard: "身份证阅读器",
        health_service: "健康码服务", healthDown: "健康码服务不可用，按离线规则处理",
        ok: "正常", fault: "故障", today: "今日", other: "EN", lanes: { in: "入口", out: "出口" }, manualMark: "（手工录入）",
        maskTitle: "口罩检查", maskWorn: "已戴口罩", maskMissing: "未戴口罩", regTitle: "访客登记", regSubmit: "登记",
        name: "姓名", phone: "手机号", idno: "身份证号", origin: "从何处来", destination: "到访楼栋/单元", reason: "事由",
        transport: "交通方式", trip: "车次/航班号", inside: "场内", waiting: "全场等候", people: "人",
        leave: "已离开，取消等候", ovTitle: "人工处置（须填写原因，留痕备查）", ovDecision: "处置",
        guard: "值守人员", ovReason: "原因", ovSubmit: "确认处置", visitorMark: "访客",
        ago: s => s < 60 ? `${s} 秒前` : `${Math.floor(s / 60)} 分钟前`, recheckBtn: "复测", dismiss: "移除（人已离开）", refused: "拒绝出示证明（不放行，上报）",
        more: n => `另有 ${n} 人待处理，点下方记录切换`, gone: "此记录已由他人处理，请点下方记录查看当前结果", noID: "无证件", ovTemp: "手持测温 °C（依此处置时填写）" },
  en: { allow: "PASS", recheck: "MEASURE AGAIN", register: "REGISTER", wait: "PLEASE WAIT", deny: "DENIED", refer: "FEVER CLINIC", hold: "TO SAMPLING POINT",
        persuade_return: "PLEASE RETURN", ready: "Scan a code", manual: "Thermometer fault: measure with a handheld thermometer and enter it",
        submit: "Confirm", uplink: "Uplink", up: "connected", down: "offline (entries kept locally)", thermometer: "Thermometer",
        scanner: "Scanner", idcard: "ID card reader", health_service: "Health-code service",
        healthDown: "Health-code service unavailable: the offline rule applies", ok: "OK", fault: "FAULT", today: "Today", other: "中文", lanes: { in: "entrance", out: "exit" },
        manualMark: " (entered by hand)",
        maskTitle: "Mask check", maskWorn: "Mask worn", maskMissing: "No mask", regTitle: "Visitor registration", regSubmit: "Register",
        name: "Name", phone: "Phone", idno: "ID number", origin: "Coming from", destination: "Visiting (building/unit)", reason: "Reason",
        transport: "Transport", trip: "Train/flight no.", inside: "Inside", waiting: "waiting at the site", people: "",
        leave: "Left: end the wait", ovTitle: "Guard override (reason required, audited)", ovDecision: "Decision",
        guard: "Guard", ovReason: "Reason", ovSubmit: "Confirm override", visitorMark: "Visitor",
        ago: s => s < 60 ? `${s} s ago` : `${Math.floor(s / 60)} min ago`, recheckBtn: "Measure again", dismiss: "Remove (person left)", refused: "Refused to show proof (turn away, reported)",
        more: n => `${n} more waiting for you: tap one below`, gone: "Someone else handled this entry: tap one below for the current result", noID: "no ID", ovTemp: "Handheld reading °C (if you go by it)" },
};
const tone = { allow: "allow", recheck: "warn", register: "warn", wait: "warn", deny: "deny", refer: "deny", persuade_return: "deny", hold: "warn" };
let lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh";
let state = null;
// chosen is the entry id the guard tapped in the strip; every action names
// the entry on screen, so a scan in between cannot redirect it.
let chosen = null;
const $ = id => document.getElementById(id);
const chip = (text, cls) => { const s = document.createElement("span"); s.className = "chip " + (cls || ""); s.textContent = text; return s; };

// focus is the result on screen: the one the guard chose, else the oldest
// still waiting for them, else the latest. A chosen entry that someone
// else handled meanwhile stays on screen, marked, rather than the screen
// switching person under the guard's fingers; acting on it is refused.
let chosenShown = null;
function focus() {
  const all = [...(state.open || []), ...(state.recent || [])];
  if (chosen) {
    const c = all.find(s => s.entry.id === chosen);
    chosenShown = c || (chosenShown && chosenShown.entry.id === chosen ? { ...chosenShown, gone: true } : null);
    if (chosenShown) return chosenShown;
  }
  return all[0] || null;
}

function render() {
  if (!state) return;
  const t = T[lang];
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  $("lang").textContent = t.other;
  $("where").textContent = `${state.site_name || state.site} · ${state.unit_name || state.unit} · ${t.lanes[state.lane] || state.lane}`;
  if (window.kakouSound) window.kakouSound(window.kakouSound.newest(state));
  const f = focus();
  // A result the guard dismissed (a wait they ended included) is over: the
  // lane shows it is ready, unless the guard picked it from the strip. A
  // pass and a hold (请前往采样点) stay up: they need nobody, but the person
  // must read them.
  const current = f && (f.open || f.entry.decision === "allow" || f.entry.decision === "hold" || f.entry.id === chosen);
  const e = state.held ? state.held.entry : current ? f.entry : null;
  const age = e ? Math.max(0, Math.round((Date.parse(state.now) - Date.parse(e.time)) / 1000)) : 0;
  $("result").className = (e ? tone[e.decision] || "" : "") + (e && (age > state.stale_after_s || f.gone) ? " stale" : "");
  $("age").textContent = e ? t.ago(age) : "";
  $("headline").textContent = e ? t[e.decision] || e.decision : t.ready;
  $("result").dataset.entry = e ? e.id : "";
  const n = state.count;
  $("count").textContent = state.held && n ?
    `${t.inside} ${n.occupancy}/${n.capacity} · ${t.waiting} ${n.waiting}${lang === "zh" ? " " + t.people : ""}` : "";
  $("leave").classList.toggle("shown", !!state.held);
  $("leave").textContent = t.leave;
  $("recheck").classList.toggle("shown", !!(f && f.open && e.decision === "recheck" && !f.manual_entry));
  $("recheck").textContent = t.recheckBtn;
  $("dismiss").classList.toggle("shown", !!(f && f.open && !state.held));
  $("dismiss").textContent = t.dismiss;
  $("refused").classList.toggle("shown", !!(f && f.open && !state.held));
  $("refused").textContent = t.refused;
  const waiting = (state.open || []).filter(s => !f || s.entry.id !== f.entry.id).length;
  $("pending").textContent = f && f.gone ? t.gone : waiting ? t.more(waiting) : "";
  $("temp").textContent = e && e.temperature ?
    `${e.temperature.corrected_c.toFixed(1)} °C${e.temperature.source === "manual" ? t.manualMark : ""}` : "";
  $("reasons").textContent = e ? (e.reasons || []).map(r => lang === "zh" ? r.zh : r.en).join(lang === "zh" ? "；" : "; ") : "";
  $("manual").classList.toggle("shown", !!(f && f.open && f.manual_entry && e.decision === "recheck"));
  $("manual-label").textContent = t.manual;
  $("manual-submit").textContent = t.submit;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t[el.dataset.t];
  $("mask-title").textContent = t.maskTitle; $("mask-worn").textContent = t.maskWorn; $("mask-missing").textContent = t.maskMissing;
  $("reg-title").textContent = t.regTitle; $("reg-submit").textContent = t.regSubmit;
  $("ov-title").textContent = t.ovTitle; $("ov-submit").textContent = t.ovSubmit;
  $("ov-decision").options[0].textContent = t.allow; $("ov-decision").options[1].textContent = t.deny;
  const v = e && e.visitor;
  const doc = v && (v.id_kind === "none" ? `${t.noID}（${v.no_id_reason || ""}）` : v.id || "");
  $("visitor").textContent = v ? `${t.visitorMark}: ${v.name} ${v.phone || ""} ${doc} → ${v.destination || ""}` : "";
  prefill(f && f.prefill);
  if (window.kakouCard) window.kakouCard(f);
  if (window.kakouVenue) window.kakouVenue(current ? f : null);
  if (window.kakouHousehold) window.kakouHousehold(e);
  renderStrip(t, f);
  const health = [chip(`${t.uplink}: ${state.uplink_connected ? t.up : t.down}`, state.uplink_connected ? "good" : "bad")];
  if (n && n.capacity > 0) health.push(chip(`${t.inside} ${n.occupancy}/${n.capacity}`, n.occupancy >= n.capacity ? "bad" : ""));
  for (const d of state.devices || []) {
    const c = chip(`${t[d.name] || d.name}: ${d.ok ? t.ok : t.fault}`, d.ok ? "good" : "bad");
    c.title = d.detail || "";
    health.push(c);
  }
  $("health").replaceChildren(...health);
  const hs = (state.devices || []).find(d => d.name === "health_service" && !d.ok);
  $("health-down").textContent = hs ? (lang === "zh" ? `${T.zh.healthDown} / ${T.en.healthDown}` : t.healthDown) : "";
  $("health-down").classList.toggle("shown", !!hs);
  const today = [chip(t.today)];
  for (const [d, n] of Object.entries(state.today || {})) today.push(chip(`${t[d] || d} ${n}`));
  $("today").replaceChildren(...today);
}

// renderStrip lists the results waiting for the guard and the last five;
// tapping one puts it on screen.
function renderStrip(t, f) {
  const items = [...(state.open || []), ...(state.recent || [])].map(s => {
    const e = s.entry;
    const temp = e.temperature ? ` ${e.temperature.corrected_c.toFixed(1)}°` : "";
    const c = chip(`#${e.seq} ${t[e.decision] || e.decision}${temp}`, `${tone[e.decision] || ""}${s.open ? " open" : ""}${f && f.entry.id === e.id ? " focus" : ""}`);
    c.dataset.entry = e.id;
    c.onclick = () => { chosen = e.id; render(); };
    return c;
  });
  $("strip").replaceChildren(...items);
}

async function poll() {
  try {
    const r = await fetch("api/state", { cache: "no-store" });
    if (r.ok) { state = await r.json(); render(); }
  } catch (err) { /* the unit is restarting; try again */ }
}

$("lang").onclick = () => { lang = lang === "zh" ? "en" : "zh"; render(); };
// onScreen is the id of the entry the guard is looking at; an action
// names it, and the unit refuses (409) if it is no longer theirs to act on.
const onScreen = () => $("result").dataset.entry;
$("manual").onsubmit = async ev => {
  ev.preventDefault();
  if (await send("api/manual-temperature", { entry: onScreen(), temp_c: parseFloat($("manual-temp").value) }, "manual-error"))
    $("manual-temp").value = "";
};
// prefill copies a pre-registration code's fields into an empty form once.
let prefilled = null;
function prefill(p) {
  if (!p || JSON.stringify(p) === prefilled) return;
  prefilled = JSON.stringify(p);
  const map = { "reg-name": p.Name, "reg-phone": p.Phone, "reg-id": p.ID, "reg-origin": p.Origin,
                "reg-destination": p.Destination, "reg-reason": p.Reason, "reg-transport": p.Transport, "reg-trip": p.TrainOrFlight };
  for (const [id, val] of Object.entries(map)) if (val) $(id).value = val;
}

// headers are what every POST carries: the session's CSRF token, which
// guard.js keeps in window.kakouCSRF, with the JSON.
const headers = () => ({ "Content-Type": "application/json", "X-CSRF-Token": window.kakouCSRF || "" });

// send posts an action and shows the unit's refusal, in the console's
// language, in errBox; onRefused gets the refusal (fields.js shows each
// field's problem beside it). The answer's parsed body is returned, or null.
async function send(path, body, errBox, onRefused) {
  if (errBox) $(errBox).textContent = "";
  const r = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) {
    if (errBox) $(errBox).textContent = (lang === "en" && answer.error_en) || answer.error || r.statusText;
    if (onRefused) onRefused(answer);
    if (r.status === 409 && body.entry === chosen) { chosen = null; render(); } // show what is current
    return null;
  }
  // The new entry replaces the one acted on: follow the person.
  if (chosen && answer.amends === chosen) chosen = answer.id;
  await poll();
  return answer;
}
$("leave").onclick = () => send("api/cancel-wait", {}, "result-error");
$("recheck").onclick = () => send("api/recheck", { entry: onScreen() }, "result-error");
$("dismiss").onclick = async () => { if (await send("api/dismiss", { entry: onScreen() }, "result-error")) chosen = null; };
$("refused").onclick = () => send("api/refused-proof", { entry: onScreen() }, "result-error");
$("mask-worn").onclick = () => send("api/mask", { entry: onScreen(), worn: true }, "result-error");
$("mask-missing").onclick = () => send("api/mask", { entry: onScreen(), worn: false }, "result-error");
$("register").onsubmit = async ev => {
  ev.preventDefault();
  const f = id => $(id).value.trim();
  showFieldErrors("register", null, lang);
  const ok = await send("api/register", { entry: onScreen(), name: f("reg-name"), phone: f("reg-phone"), id_kind: f("reg-id-kind"), id: f("reg-id"),
    no_id_reason: f("reg-no-id-reason"), origin: f("reg-origin"), destination: f("reg-destination"), reason: f("reg-reason"),
    transport: f("reg-transport"), trip: f("reg-trip"), returnee: $("reg-returnee").checked, arrived: f("reg-arrived") }, "reg-error", refused => showFieldErrors("register", refused.fields, lang));
  if (ok) { $("register").reset(); prefilled = null; }
};
$("override").onsubmit = async ev => {
  ev.preventDefault();
  const body = { entry: onScreen(), decision: $("ov-decision").value, reason: $("ov-reason").value.trim() };
  if ($("ov-temp").value) body.temp_c = parseFloat($("ov-temp").value);
  const ok = await send("api/override", body, "ov-error");
  if (ok) { $("ov-reason").value = ""; $("ov-temp").value = ""; }
};
poll();
setInterval(poll, 1000);
