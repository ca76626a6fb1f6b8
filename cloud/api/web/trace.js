"use strict";
// The tracing screen (流调), for the tracer role only: who was at these
// places during this window, or where one person went, with the answer as
// a CSV file for the epidemiologists' tools (cloud/README.md "Contact
// tracing"). A visit counts when the person was inside at some moment of
// the window; the collector applies that rule and the minimum stay
// (trace.go), and audits every query before it answers, so this screen
// only asks and shows. It runs after dashboard.js and uses its helpers
// (t, el, row, emptyRow, short, clock, word, getJSON) and display.js's
// (siteName, unitName, named, wallToISO, isoToWall).

Object.assign(T.zh, {
  trace: "流调查询", traceByPlace: "按场所和时段", traceByPerson: "按证件号或手机号", traceSites: "场所（可多选）",
  traceSince: "开始", traceUntil: "结束", traceMinStay: "最短停留", traceAnyStay: "不限",
  traceIDNumber: "证件号", traceIDKind: "证件类型", tracePhone: "手机号", traceRun: "查询", traceCSV: "导出 CSV",
  traceEntered: "进入", traceLeft: "离开", traceStay: "停留", traceNoExit: "未见离开", traceNone: "该时段无人在场",
  traceNoVisits: "未找到此人的通行记录", traceCount: n => "共 " + n + " 人次", traceAudited: "每次查询均记入审计日志",
  traceMasked: "个人信息已脱敏", tracePickSite: "请至少选择一个场所", traceBadWindow: "请填写开始和结束时间，且开始早于结束",
  traceNeedPerson: "请填写证件号或手机号", traceFailed: "查询失败", traceOffline: "无法连接服务器，请重试",
  traceWorking: "查询中…", traceIDNumberShort: "证件号", tracePhoneShort: "电话",
  traceMinutes: m => m < 60 ? m + " 分钟" : Math.floor(m / 60) + " 小时" + (m % 60 ? " " + m % 60 + " 分钟" : ""),
});
Object.assign(T.en, {
  trace: "Contact tracing", traceByPlace: "By place and time", traceByPerson: "By ID number or phone",
  traceSites: "Places (one or more)", traceSince: "From", traceUntil: "To", traceMinStay: "Stayed at least",
  traceAnyStay: "any time", traceIDNumber: "ID number", traceIDKind: "Document", tracePhone: "Phone", traceRun: "Search",
  traceCSV: "Export CSV", traceEntered: "Entered", traceLeft: "Left", traceStay: "Stay", traceNoExit: "not seen leaving",
  traceNone: "Nobody was inside in this window", traceNoVisits: "No entries of this person",
  traceCount: n => n + (n === 1 ? " visit" : " visits"), traceAudited: "Every search is written to the audit trail",
  traceMasked: "personal data masked", tracePickSite: "Choose at least one place",
  traceBadWindow: "Fill in both times, the first before the second", traceNeedPerson: "Fill in an ID number or a phone",
  traceFailed: "Search failed", traceOffline: "Cannot reach the collector; try again", traceWorking: "Searching…",
  traceIDNumberShort: "ID", tracePhoneShort: "Phone",
  traceMinutes: m => m < 60 ? m + " min" : Math.floor(m / 60) + " h" + (m % 60 ? " " + m % 60 + " min" : ""),
});

// ts is the screen's state: the last answer and the query that made it,
// the sites offered, and whether the defaults were filled in.
const ts = { mode: "place", result: null, query: "", sites: "", err: "", errDetail: "", busy: false, filled: false,
             lang: "", drawn: "", drawnResult: null };
const TRACE_STAYS = [0, 15, 30, 60, 120]; // minutes; the plans ask for "stays over 1 hour"

function mayTrace() { return !!me && me.role === "tracer"; }
function $t(id) { return document.getElementById(id); }

// traceQuery is what the form asks, as the API's query string, or an
// error key the screen shows in the page's language.
function traceQuery() {
  const q = new URLSearchParams();
  if (ts.mode === "person") {
    const id = $t("trace-id").value.trim(), phone = $t("trace-phone").value.trim();
    if (!id && !phone) return { err: "traceNeedPerson" };
    if (id) { q.set("id_number", id); if ($t("trace-id-kind").value) q.set("id_kind", $t("trace-id-kind").value); }
    if (phone) q.set("phone", phone);
    return { q };
  }
  const sites = [...document.querySelectorAll("#trace-sites input:checked")].map(c => c.value);
  if (!sites.length) return { err: "tracePickSite" };
  const since = wallToISO($t("trace-since").value), until = wallToISO($t("trace-until").value);
  if (!since || !until || Date.parse(since) >= Date.parse(until)) return { err: "traceBadWindow" };
  q.set("site", sites.join(","));
  q.set("since", since);
  q.set("until", until);
  const stay = +$t("trace-min-stay").value;
  if (stay) q.set("min_stay", stay + "m");
  return { q };
}

async function runTrace(ev) {
  ev.preventDefault();
  const { q, err } = traceQuery();
  Object.assign(ts, { err: err || "", errDetail: "" });
  if (err) { drawTrace(); return; }
  ts.busy = true;
  drawTrace();
  try {
    const r = await fetch("/api/v1/trace?" + q, { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) { toLogin(); return; }
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { Object.assign(ts, { err: "traceFailed", errDetail: body.error || "HTTP " + r.status }); return; }
    Object.assign(ts, { result: { mode: ts.mode, body }, query: q.toString() });
  } catch (e) {
    ts.err = "traceOffline";
  } finally {
    ts.busy = false;
    drawTrace();
  }
}

function stayCell(v) {
  if (!v.left_at && v.stay_seconds == null) return el("td", t("traceNoExit"), "muted");
  return el("td", t("traceMinutes")(Math.floor((v.stay_seconds || 0) / 60)));
}

function timeCell(iso) {
  const td = el("td", iso ? short(iso) : "—", iso ? "" : "muted");
  if (iso) td.title = clock(iso);
  return td;
}

// A visit by place: where, who (as the role may see them), when.
function placeRow(v) {
  const tr = row([named("td", siteName(v.site), v.site), named("td", unitName(v.site, v.unit), v.unit),
    el("td", word("kinds", v.kind)), el("td", v.subject || "—"), el("td", v.name || "—"), el("td", v.phone || "—"),
    timeCell(v.entered_at), timeCell(v.left_at), stayCell(v)]);
  tr.dataset.entry = v.entry_id;
  return tr;
}

// An entry of one person: where, when, which way, what the gate decided.
function personRow(v) {
  const tr = row([named("td", siteName(v.site), v.site), named("td", unitName(v.site, v.unit), v.unit),
    el("td", word("lanes", v.lane)), timeCell(v.time), el("td", word("decisions", v.decision)),
    el("td", v.name || "—"), el("td", v.id || "—"), el("td", v.phone || "—")]);
  tr.dataset.entry = v.entry_id;
  return tr;
}

const TRACE_HEADS = {
  place: ["site", "unit", "credential", "traceIDNumberShort", "name", "tracePhoneShort", "traceEntered", "traceLeft", "traceStay"],
  person: ["site", "unit", "lane", "time", "decision", "name", "traceIDNumberShort", "tracePhoneShort"],
};

function drawResult() {
  const res = ts.result;
  const head = $t("trace-head"), rows = $t("trace-rows"), csv = $t("trace-csv"), sum = $t("trace-summary");
  csv.hidden = !res;
  if (!res) { head.replaceChildren(); rows.replaceChildren(); sum.textContent = ""; return; }
  head.replaceChildren(row(TRACE_HEADS[res.mode].map(k => el("th", t(k)))));
  const visits = res.body.visits || [];
  const list = visits.map(res.mode === "place" ? placeRow : personRow);
  rows.replaceChildren(...(list.length ? list : [emptyRow(TRACE_HEADS[res.mode].length,
    res.mode === "place" ? "traceNone" : "traceNoVisits")]));
  sum.textContent = t("traceCount")(visits.length) + (res.body.masked ? " · " + t("traceMasked") : "") +
    " · " + t("traceAudited");
  const q = new URLSearchParams(ts.query);
  q.set("format", "csv");
  if (lang === "en") q.set("lang", "en");
  csv.href = "/api/v1/trace?" + q;
  csv.textContent = t("traceCSV");
}

// drawSiteChoices offers every site the fleet shows, by name, keeping
// what is ticked when the list is redrawn.
function drawSiteChoices() {
  const sites = [...new Set([...data.units.map(u => u.site), ...data.occupancy.map(o => o.site)])].sort();
  const key = lang + JSON.stringify(sites.map(s => [s, siteName(s)]));
  if (key === ts.sites) return;
  ts.sites = key;
  const ticked = new Set([...document.querySelectorAll("#trace-sites input:checked")].map(c => c.value));
  $t("trace-sites").replaceChildren(...sites.map(s => {
    const label = el("label"), box = el("input");
    Object.assign(box, { type: "checkbox", value: s, checked: ticked.has(s) });
    label.append(box, " ", named("span", siteName(s), s));
    return label;
  }));
}

function drawStays() {
  const pick = $t("trace-min-stay"), was = pick.value || "0";
  pick.replaceChildren(...TRACE_STAYS.map(m => {
    const o = el("option", m ? "≥ " + t("traceMinutes")(m) : t("traceAnyStay"));
    o.value = String(m);
    return o;
  }));
  pick.value = was;
}

function drawIDKinds() {
  const pick = $t("trace-id-kind"), was = pick.value;
  pick.replaceChildren(...["resident", "hkmo_permit", "tw_permit", "hmt_residence", "foreign_pr", "passport"].map(k => {
    const o = el("option", word("idKinds", k));
    o.value = k === "resident" ? "" : k; // the API's default
    return o;
  }));
  pick.value = was;
}

function drawTrace() {
  const section = $t("tracing");
  section.hidden = !mayTrace();
  if (section.hidden) return;
  if (!ts.filled) { // today from midnight to now, in the collector's zone
    const now = Date.now();
    $t("trace-until").value = isoToWall(now);
    $t("trace-since").value = isoToWall(now).slice(0, 11) + "00:00";
    ts.filled = true;
  }
  for (const m of ["place", "person"]) {
    $t("trace-mode-" + m).setAttribute("aria-pressed", String(ts.mode === m));
    $t("trace-by-" + m).hidden = ts.mode !== m;
  }
  drawSiteChoices();
  if (ts.lang !== lang) { // refilled under an open list, a select would close
    ts.lang = lang;
    drawStays();
    drawIDKinds();
  }
  const err = $t("trace-error");
  err.hidden = !ts.err;
  err.textContent = ts.err ? t(ts.err) + (ts.errDetail ? (lang === "zh" ? "：" : ": ") + ts.errDetail : "") : "";
  $t("trace-run").disabled = ts.busy;
  $t("trace-run").textContent = ts.busy ? t("traceWorking") : t("traceRun");
  const key = lang + "\n" + ts.query + "\n" + (ts.result ? ts.result.body.visits.length : -1);
  if (key !== ts.drawn || ts.result && ts.drawnResult !== ts.result) {
    ts.drawn, ts.drawnResult = key, ts.result;
    drawResult();
  }
}

screens.push(drawTrace);
for (const m of ["place", "person"]) {
  $t("trace-mode-" + m).addEventListener("click", () => { ts.mode = m; ts.err = ""; drawTrace(); });
}
$t("trace-form").addEventListener("submit", runTrace);
