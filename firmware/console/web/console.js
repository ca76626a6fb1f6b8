"use strict";
const T = {
  zh: { allow: "通过", recheck: "请复测", register: "请登记", wait: "请等候", deny: "禁止通行", refer: "转发热门诊",
        persuade_return: "劝返", ready: "请扫码", manual: "测温仪故障：请用手持测温枪测量后输入体温", submit: "确认",
        uplink: "上传", up: "正常", down: "离线（数据已本地保存）", thermometer: "测温仪", scanner: "扫码器",
        ok: "正常", fault: "故障", today: "今日", other: "EN", lanes: { in: "入口", out: "出口" }, manualMark: "（手工录入）",
        maskTitle: "口罩检查", maskWorn: "已戴口罩", maskMissing: "未戴口罩", regTitle: "访客登记", regSubmit: "登记",
        name: "姓名", phone: "手机号", idno: "身份证号", origin: "从何处来", destination: "到访楼栋/单元", reason: "事由",
        transport: "交通方式", trip: "车次/航班号", inside: "场内", waiting: "全场等候", people: "人",
        leave: "已离开，取消等候", ovTitle: "人工处置（须填写原因，留痕备查）", ovDecision: "处置",
        guard: "值守人员", ovReason: "原因", ovSubmit: "确认处置", visitorMark: "访客" },
  en: { allow: "PASS", recheck: "MEASURE AGAIN", register: "REGISTER", wait: "PLEASE WAIT", deny: "DENIED", refer: "FEVER CLINIC",
        persuade_return: "PLEASE RETURN", ready: "Scan a code", manual: "Thermometer fault: measure with a handheld thermometer and enter it",
        submit: "Confirm", uplink: "Uplink", up: "connected", down: "offline (entries kept locally)", thermometer: "Thermometer",
        scanner: "Scanner", ok: "OK", fault: "FAULT", today: "Today", other: "中文", lanes: { in: "entrance", out: "exit" },
        manualMark: " (entered by hand)",
        maskTitle: "Mask check", maskWorn: "Mask worn", maskMissing: "No mask", regTitle: "Visitor registration", regSubmit: "Register",
        name: "Name", phone: "Phone", idno: "ID number", origin: "Coming from", destination: "Visiting (building/unit)", reason: "Reason",
        transport: "Transport", trip: "Train/flight no.", inside: "Inside", waiting: "waiting at the site", people: "",
        leave: "Left: end the wait", ovTitle: "Guard override (reason required, audited)", ovDecision: "Decision",
        guard: "Guard", ovReason: "Reason", ovSubmit: "Confirm override", visitorMark: "Visitor" },
};
const tone = { allow: "allow", recheck: "warn", register: "warn", wait: "warn", deny: "deny", refer: "deny", persuade_return: "deny" };
let lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh";
let state = null;
const $ = id => document.getElementById(id);
const chip = (text, cls) => { const s = document.createElement("span"); s.className = "chip " + (cls || ""); s.textContent = text; return s; };

function render() {
  if (!state) return;
  const t = T[lang];
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  $("lang").textContent = t.other;
  $("where").textContent = `${state.site} · ${state.unit} · ${t.lanes[state.lane] || state.lane}`;
  // A wait that is no longer held (the guard ended it, it timed out) is
  // over: the lane is ready for the next person.
  const e = state.held ? state.held.entry : state.last && state.last.decision === "wait" ? null : state.last;
  $("result").className = e ? tone[e.decision] || "" : "";
  $("headline").textContent = e ? t[e.decision] || e.decision : t.ready;
  const n = state.count;
  $("count").textContent = state.held && n ?
    `${t.inside} ${n.occupancy}/${n.capacity} · ${t.waiting} ${n.waiting}${lang === "zh" ? " " + t.people : ""}` : "";
  $("leave").classList.toggle("shown", !!state.held);
  $("leave").textContent = t.leave;
  $("temp").textContent = e && e.temperature ?
    `${e.temperature.corrected_c.toFixed(1)} °C${e.temperature.source === "manual" ? t.manualMark : ""}` : "";
  $("reasons").textContent = e ? (e.reasons || []).map(r => lang === "zh" ? r.zh : r.en).join(lang === "zh" ? "；" : "; ") : "";
  $("manual").classList.toggle("shown", state.manual_entry);
  $("manual-label").textContent = t.manual;
  $("manual-submit").textContent = t.submit;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t[el.dataset.t];
  $("mask-title").textContent = t.maskTitle; $("mask-worn").textContent = t.maskWorn; $("mask-missing").textContent = t.maskMissing;
  $("reg-title").textContent = t.regTitle; $("reg-submit").textContent = t.regSubmit;
  $("ov-title").textContent = t.ovTitle; $("ov-submit").textContent = t.ovSubmit;
  $("ov-decision").options[0].textContent = t.allow; $("ov-decision").options[1].textContent = t.deny;
  const v = e && e.visitor;
  $("visitor").textContent = v ? `${t.visitorMark}: ${v.name} ${v.phone || ""} ${v.id || ""} → ${v.destination || ""}` : "";
  prefill(state.prefill);
  const health = [chip(`${t.uplink}: ${state.uplink_connected ? t.up : t.down}`, state.uplink_connected ? "good" : "bad")];
  if (n && n.capacity > 0) health.push(chip(`${t.inside} ${n.occupancy}/${n.capacity}`, n.occupancy >= n.capacity ? "bad" : ""));
  for (const d of state.devices || []) {
    const c = chip(`${t[d.name] || d.name}: ${d.ok ? t.ok : t.fault}`, d.ok ? "good" : "bad");
    c.title = d.detail || "";
    health.push(c);
  }
  $("health").replaceChildren(...health);
  const today = [chip(t.today)];
  for (const [d, n] of Object.entries(state.today || {})) today.push(chip(`${t[d] || d} ${n}`));
  $("today").replaceChildren(...today);
}

async function poll() {
  try {
    const r = await fetch("api/state", { cache: "no-store" });
    if (r.ok) { state = await r.json(); render(); }
  } catch (err) { /* the unit is restarting; try again */ }
}

$("lang").onclick = () => { lang = lang === "zh" ? "en" : "zh"; render(); };
$("manual").onsubmit = async ev => {
  ev.preventDefault();
  if (await send("api/manual-temperature", { temp_c: parseFloat($("manual-temp").value) }, "manual-error"))
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

async function send(path, body, errBox) {
  if (errBox) $(errBox).textContent = "";
  const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": window.kakouCSRF || "" }, body: JSON.stringify(body) });
  if (!r.ok) { if (errBox) $(errBox).textContent = (await r.json()).error; return false; }
  await poll();
  return true;
}
$("leave").onclick = () => send("api/cancel-wait", {}, "leave-error");
$("mask-worn").onclick = () => send("api/mask", { worn: true });
$("mask-missing").onclick = () => send("api/mask", { worn: false });
$("register").onsubmit = async ev => {
  ev.preventDefault();
  const f = id => $(id).value.trim();
  const ok = await send("api/register", { name: f("reg-name"), phone: f("reg-phone"), id: f("reg-id"), origin: f("reg-origin"),
    destination: f("reg-destination"), reason: f("reg-reason"), transport: f("reg-transport"), trip: f("reg-trip") }, "reg-error");
  if (ok) { $("register").reset(); prefilled = null; }
};
$("override").onsubmit = async ev => {
  ev.preventDefault();
  const ok = await send("api/override", { decision: $("ov-decision").value, guard: $("ov-guard").value.trim(),
    reason: $("ov-reason").value.trim() }, "ov-error");
  if (ok) $("ov-reason").value = "";
};
poll();
setInterval(poll, 1000);
