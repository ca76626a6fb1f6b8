"use strict";
// The holds screen (待采样): the people held at a gate for sampling, in
// every site the caller sees, pending first; and, for central monitoring,
// the form that records a test result, which goes to the units holding
// the person (POST /api/v1/results). It runs after dashboard.js and uses
// its helpers (t, el, row, emptyRow, clock, named, getJSON, word) and
// state (me, lang, screens, errors).

Object.assign(T.zh, {
  holds: "待采样人员", holdsPending: "待结果", holdsReleased: "已解除", holdsNone: "无待采样人员",
  holdWho: "人员", holdSince: "起始", holdState: "状态", holdFrom: "来自", holdPass: "出入证",
  resultTitle: "录入核酸结果", resultPass: "出入证号", resultPhone: "手机号", resultID: "证件号码",
  resultNegative: "阴性", resultPositive: "阳性", resultSampled: "采样时间", resultSubmit: "录入",
  resultDone: n => n ? `已录入，已下发至 ${n} 个待采样记录所在点位` : "已录入（暂无对应的待采样人员）",
});
Object.assign(T.en, {
  holds: "Held for sampling", holdsPending: "waiting", holdsReleased: "released", holdsNone: "Nobody held",
  holdWho: "Person", holdSince: "Since", holdState: "State", holdFrom: "from", holdPass: "pass",
  resultTitle: "Record a test result", resultPass: "Pass no.", resultPhone: "Phone", resultID: "ID number",
  resultNegative: "negative", resultPositive: "positive", resultSampled: "Sampled at", resultSubmit: "Record",
  resultDone: n => n ? `Recorded; sent to the gates of ${n} hold(s)` : "Recorded (nobody held matches yet)",
});

const holdState = { list: null, drawn: "", note: "" };

function holdWho(h) {
  return [h.name, h.phone, h.pass ? t("holdPass") + " " + h.pass : "", h.returnee ? t("holdFrom") + " " + h.returnee.origin : ""]
    .filter(Boolean).join(" · ") || "—";
}

function holdRow(h) {
  const state = el("td", h.pending ? t("holdsPending") : t("holdsReleased") + " " + clock(h.released_at), h.pending ? "hold-pending" : "hold-released");
  const tr = row([named("td", siteName(h.site), h.site), named("td", unitName(h.site, h.unit), h.unit),
                  el("td", holdWho(h)), el("td", clock(h.held_at)), state]);
  tr.dataset.hold = h.entry_id;
  return tr;
}

async function loadHolds() {
  try {
    holdState.list = (await getJSON("/api/v1/holds?status=all")).holds || [];
    errors.holds = null;
  } catch (err) { errors.holds = String(err); }
}

function drawHolds() {
  const section = document.getElementById("holds");
  document.getElementById("result-form").hidden = !!me && me.role !== "monitor" && me.role !== "tracer";
  const key = JSON.stringify([lang, holdState.list, holdState.note]);
  if (key === holdState.drawn) return;
  holdState.drawn = key;
  section.querySelectorAll("[data-ht]").forEach(e => { e.textContent = t(e.dataset.ht); });
  document.getElementById("result-note").textContent = holdState.note;
  const list = (holdState.list || []).slice().sort((a, b) => (b.pending - a.pending) || (a.held_at < b.held_at ? 1 : -1));
  document.getElementById("holds-rows").replaceChildren(...(list.length ? list.map(holdRow) : [emptyRow(5, "holdsNone")]));
}

document.getElementById("result-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  const f = ev.target;
  const body = { result: f.result.value, sampled_at: new Date(f.sampled.value).toISOString() };
  if (f.pass.value.trim()) body.pass = f.pass.value.trim();
  if (f.phone.value.trim()) body.phone = f.phone.value.trim();
  if (f.idnumber.value.trim()) body.id_number = f.idnumber.value.trim();
  try {
    const r = await fetch("/api/v1/results", { method: "POST", credentials: "same-origin",
      headers: changeHeaders(), body: JSON.stringify(body) });
    const answer = await r.json().catch(() => ({}));
    holdState.note = r.ok ? t("resultDone")((answer.holds || []).length) : (answer.error || r.statusText);
    if (r.ok) f.reset();
  } catch (err) { holdState.note = String(err); }
  await loadHolds();
  drawHolds();
});

screens.push(slow => {
  drawHolds();
  if (!(slow || holdState.list === null)) return;
  loadHolds().then(drawHolds, () => {});
});
