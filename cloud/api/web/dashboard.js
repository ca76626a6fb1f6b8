"use strict";
// Kakou's control-room dashboard. It polls the collector's JSON API and
// draws every section with DOM calls only: ids, names and alert details come
// from units in the field, so no API string is ever parsed as HTML
// (textContent, createElement, setAttribute on numbers; never parsed markup).

// Labels in both languages; Chinese is the default for the people who use it.
const T = {
  zh: {
    title: "卡口 · 指挥中心", fleet: "设备状态", latest: "最新通行记录（50 条）", unit: "设备", site: "卡口点位",
    state: "状态", lastSeen: "最后联系", today: "今日通行", policy: "策略版本", firmware: "固件", time: "时间",
    lane: "通道", temp: "体温", credential: "凭证", decision: "结果", reasons: "原因", online: "在线", offline: "离线", gateway: "网关",
    fault: "故障", manual: "值守人员手工录入", in: "进", out: "出", never: "从未联系", noUnits: "暂无设备",
    noEntries: "暂无记录", backlog: "待上传", oldest: "最早一条", diskAlarm: "存储已满",
    diskAlarmTip: "设备存储已被未确认上传的记录占满：仍照常检测放行，请尽快恢复网络上传",
    late: "补传", lateTip: "断网期间的记录，恢复联网后补传", updated: "已更新",
    unreachable: "无法连接服务器，显示的是旧数据", unsynced: "设备时钟未同步，显示的是接收时间",
    unavailable: "暂时无法获取，显示的是旧数据",
    keyOnline: "在线", keyBacklog: "有积压待上传", keyFault: "设备故障 / 存储已满", keyOffline: "离线",
    alerts: "告警", openCount: n => n + " 条告警待处理", noAlerts: "暂无待处理告警", recentAcked: "最近已处理",
    ackBy: "处理人", ackByLogin: "按登录用户记录", ackAction: "处理措施", ackSubmit: "确认处理", ackMissing: "请填写处理人和处理措施",
    ackFailed: "提交失败", ackTaken: "已被他人处理", ackOffline: "无法连接服务器，未提交，请重试",
    ackedBy: (by, at) => by + " 于 " + at + " 处理", resolved: "已恢复", raisedAt: "告警时间",
    ackActions: ["已送发热门诊", "复测体温正常，已放行", "已劝返并登记", "已通知社区网格员", "已安排维修设备"],
    traffic: "今日每小时通行", fever: "发热", noTraffic: "今日暂无通行",
    occupancy: "场内人数（限流）", inside: "场内", capacity: "上限", noCap: "不限流", full: "已满",
    occGateway: "网关计数", occEstimate: "估算（进−出）", occStale: "数据过期", occAge: s => s < 60 ? s + " 秒前" : Math.floor(s / 60) + " 分钟前",
    occCorrected: (n, by) => "最近更正：" + n + "（" + by + "）", occWaiting: n => n + " 个入口等候",
    noSites: "暂无点位",
    report: "日报", reportDate: "日期", period: (s, u) => "统计时段 " + s + " 至 " + u,
    name: "名称", total: "通行总数", colIn: "进", colOut: "出", colFever: "发热", denied: "拒绝", recheck: "复测", visitors: "访客登记", overrides: "人工放行",
    deviceFaults: "设备故障", alertsOpen: "未处理告警", zeroReport: "零报告", totalRow: "合计",
    noReport: "暂无日报", csv: "下载 CSV", xlsx: "下载 Excel", logout: "退出登录",
    duties: "值守日志（今日）", noDuties: "今日暂无值守记录", dutyDone: (d, n) => "完成 " + d + "/" + n,
    dutyMissed: "未完成", handOvers: n => "交接班 " + n + " 次",
    ago: s => s < 60 ? s + " 秒前" : s < 3600 ? Math.floor(s / 60) + " 分钟前"
      : s < 172800 ? Math.floor(s / 3600) + " 小时前" : Math.floor(s / 86400) + " 天前",
    visitsInside: "在场访客（未销号）", visitCode: "访客码", visitStay: "已停留", visitEntered: "进入时间", noVisits: "暂无在场访客", overstay: "超时",
  },
  en: {
    title: "Kakou · Command centre", fleet: "Units", latest: "Latest entries (50)", unit: "Unit", site: "Site",
    state: "State", lastSeen: "Last seen", today: "Today", policy: "Policy", firmware: "Firmware", time: "Time",
    lane: "Lane", temp: "Temp.", credential: "Credential", decision: "Decision", reasons: "Reasons", gateway: "gateway",
    online: "online", offline: "offline", fault: "fault", manual: "entered by hand by the guard", in: "in",
    out: "out", never: "never", noUnits: "No units yet", noEntries: "No entries yet", backlog: "Backlog",
    oldest: "oldest", diskAlarm: "disk full",
    diskAlarmTip: "The unit's storage is full of unacknowledged entries: it keeps screening, but restore its uplink soon",
    late: "late", lateTip: "made during an outage, sent once the unit was back on line", updated: "updated",
    unreachable: "Cannot reach the collector; data shown is old", unsynced: "Unit clock not synced; showing the time received",
    unavailable: "Cannot be fetched just now; data shown is old",
    keyOnline: "online", keyBacklog: "backlog to upload", keyFault: "device fault / disk full", keyOffline: "offline",
    alerts: "Alerts", openCount: n => n + (n === 1 ? " open alert" : " open alerts"), noAlerts: "No open alerts",
    recentAcked: "Recently handled", ackBy: "Handled by", ackByLogin: "recorded as the user logged in", ackAction: "Action taken", ackSubmit: "Acknowledge",
    ackMissing: "Fill in who handled it and what was done", ackFailed: "Not saved",
    ackTaken: "Already handled by someone else", ackOffline: "Cannot reach the collector; not saved, try again",
    ackedBy: (by, at) => "handled by " + by + " at " + at, resolved: "recovered", raisedAt: "Raised",
    ackActions: ["Sent to the fever clinic", "Re-check normal, admitted", "Turned back and registered",
                 "Community grid worker told", "Repair arranged"],
    traffic: "Hourly traffic today", fever: "fever", noTraffic: "No traffic yet today",
    occupancy: "People inside (capacity)", inside: "inside", capacity: "cap", noCap: "no cap", full: "full",
    occGateway: "gateway count", occEstimate: "estimate (in − out)", occStale: "stale", occAge: s => s < 60 ? s + " s ago" : Math.floor(s / 60) + " min ago",
    occCorrected: (n, by) => "last corrected to " + n + " by " + by, occWaiting: n => n + " entrance(s) waiting",
    noSites: "No sites yet",
    report: "Daily report", reportDate: "Date", period: (s, u) => "Period " + s + " to " + u,
    name: "Name", total: "Total", colIn: "In", colOut: "Out", colFever: "Fever", denied: "Denied", recheck: "Re-check", visitors: "Visitors",
    overrides: "Overrides", deviceFaults: "Device faults", alertsOpen: "Open alerts", zeroReport: "Zero report",
    totalRow: "Total", noReport: "No report yet", csv: "Download CSV", xlsx: "Download Excel", logout: "Log out",
    duties: "Duty log (today)", noDuties: "No duty records today", dutyDone: (d, n) => "done " + d + "/" + n,
    dutyMissed: "missed", handOvers: n => n + " shift hand-over" + (n === 1 ? "" : "s"),
    ago: s => s < 60 ? s + " s ago" : s < 3600 ? Math.floor(s / 60) + " min ago"
      : s < 172800 ? Math.floor(s / 3600) + " h ago" : Math.floor(s / 86400) + " days ago",
    visitsInside: "Visitors inside (not closed out)", visitCode: "Visit code", visitStay: "Inside for", visitEntered: "Entered", noVisits: "No visitors inside", overstay: "overstay",
  },
};
// An alert's severity (its words are in codes.js) and its colour.
Object.assign(T.zh, { severityTip: "告警级别" });
Object.assign(T.en, { severityTip: "severity" });
const SEVERITY_TONE = { high: "deny", medium: "warn", low: "grey" };

// Colours follow the gate: green passes, amber needs the guard, red stops.
const TONE = { allow: "allow", recheck: "warn", register: "warn", wait: "warn", hold: "warn",
               deny: "deny", refer: "deny", persuade_return: "deny" };
// An alert raised at a gate must be on screen within 2 s: poll
// every second. Charts and the report change slowly and cost more.
const POLL_MS = 1000, SLOW_MS = 10000, FETCH_TIMEOUT_MS = 8000;
const ACKED_KEEP_MS = 10 * 60 * 1000; // how long this page's own acknowledgements stay listed
const OCCUPANCY_NEAR = 0.8; // amber from 80 % of capacity, red when full

// ?lang=en or ?lang=zh pins a screen's language; otherwise the last choice.
const pinned = new URLSearchParams(location.search).get("lang");
let lang = (pinned || localStorage.getItem("kakou-lang")) === "en" ? "en" : "zh";
// data holds the last good answer of each endpoint, errors the failures;
// a section keeps showing its old data, marked, when its endpoint fails.
const data = { units: [], entries: [], open: [], recent: [], occupancy: [], rollups: null, report: null, duties: [], visits: [] };
const errors = {};
// ackedHere keeps alerts this page acknowledged until the server's lists
// agree, so a poll already in flight cannot put the form back.
const ackedHere = new Map();
let reportDate = ""; // "" is the server's default: the latest period cut
let fleetRegion = ""; // the fleet view's region filter (policy.js), "" for all
// screens are sections kept in their own files (guards.js), each a
// function render calls with the rest of the page: draw(slow).
const screens = [];

function t(key) { return T[lang][key] !== undefined ? T[lang][key] : T.zh[key]; }
// word translates a code from the API by the table in codes.js; an unknown
// one shows as it came, so a new kind appears rather than vanishing
// (hasOwn: "constructor" is data).
function word(group, code) {
  const g = CODES[lang][group] || T[lang][group] || {};
  return Object.hasOwn(g, code) ? g[code] : String(code === undefined || code === null ? "" : code);
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text; // textContent: unit data is never HTML
  if (cls) e.className = cls;
  return e;
}
function row(cells) { const tr = el("tr"); cells.forEach(c => tr.append(c)); return tr; }
function emptyRow(cols, key) { const td = el("td", t(key), "empty"); td.colSpan = cols; return row([td]); }
function locale() { return lang === "zh" ? "zh-CN" : "en-GB"; }
function num(n) { return (n || 0).toLocaleString(locale()); }
// Every time is shown in the collector's zone (display.js: inZone).
function clock(iso) { return new Date(iso).toLocaleString(locale(), inZone({ hour12: false })); }
// Today's times show the clock only, to fit a phone; older ones add the date.
function short(iso) {
  const d = new Date(iso);
  const opts = { hour12: false, hour: "2-digit", minute: "2-digit", second: "2-digit" };
  if (dayOf(d) !== dayOf(Date.now())) Object.assign(opts, { month: "2-digit", day: "2-digit" });
  return d.toLocaleString(locale(), inZone(opts));
}
function ago(iso) { return t("ago")(Math.max(0, Math.round((Date.now() - new Date(iso)) / 1000))); }
// labelled gives a fleet cell the column name it shows on a phone card.
function labelled(td, key) { td.dataset.label = t(key); return td; }

// ---- fleet ----------------------------------------------------------------

// unitTone is the row's colour: red for a device fault or a full disk (the
// unit needs a person), grey offline, amber for a backlog still uploading.
function unitTone(u) {
  if (u.disk_alarm || (u.devices || []).some(d => !d.ok)) return "red";
  if (!u.online) return "grey";
  return u.backlog ? "amber" : "green";
}

function unitRow(u) {
  const state = labelled(el("td", null, "state"), "state");
  state.append(el("span", null, "dot"), u.online ? t("online") : t("offline"));
  for (const d of (u.devices || []).filter(d => !d.ok)) {
    const f = el("span", word("devices", d.name) + " " + t("fault"), "pill deny fault");
    f.title = d.detail || "";
    state.append(" ", f);
  }
  let seen = labelled(el("td", t("never"), "muted"), "lastSeen");
  if (u.last_seen) {
    seen = labelled(el("td", ago(u.last_seen)), "lastSeen");
    seen.title = clock(u.last_seen);
  }
  const id = labelled(named("td", unitName(u.site, u.id), u.id, "unit-id"), "unit");
  if (u.kind === "gateway") id.append(" ", el("span", t("gateway"), "tag gateway"));
  const tr = row([id, labelled(named("td", siteName(u.site), u.site, "site"), "site"), state, seen,
                  labelled(el("td", num(u.entries_today), "num"), "today"), backlogCell(u),
                  labelled(el("td", u.firmware || "—"), "firmware"),
                  labelled(el("td", u.policy_version || "—", "policy"), "policy")]);
  tr.className = "st-" + unitTone(u);
  tr.dataset.unit = u.site + "/" + u.id; // two sites may each have a gate-1
  return tr;
}

// The backlog is what the unit holds that the collector has not yet
// acknowledged; its age is how late the oldest of it is. A disk alarm means
// the unit's storage is full of it.
function backlogCell(u) {
  const td = labelled(el("td", num(u.backlog), u.backlog ? "num backlog" : "num muted"), "backlog");
  if (u.backlog && u.oldest_unacked) {
    td.textContent += " · " + ago(u.oldest_unacked);
    td.title = t("oldest") + " " + clock(u.oldest_unacked);
  }
  if (u.disk_alarm) {
    const a = el("span", t("diskAlarm"), "pill deny disk-alarm");
    a.title = t("diskAlarmTip");
    td.append(" ", a);
  }
  return td;
}

function renderFleet() {
  const rows = data.units.length ? data.units.map(unitRow) : [emptyRow(8, "noUnits")];
  document.getElementById("units").replaceChildren(...rows);
}

// ---- latest entries -------------------------------------------------------

function entryRow(e) {
  // A unit without NTP stamps 1970; its entries show when the cloud got them.
  const at = e.clock_synced ? e.time : e.received_at;
  const when = el("td", short(at));
  when.title = clock(at);
  if (!e.clock_synced) { when.textContent += " *"; when.title += " — " + t("unsynced"); }
  if (e.historical) { const tag = el("span", t("late"), "tag late"); tag.title = t("lateTip"); when.append(tag); }
  // No fever colouring here: the threshold is the unit's policy, and its
  // judgement is the decision column.
  const c = e.temperature ? e.temperature.corrected_c : null;
  const temp = el("td", c === null ? "—" : c.toFixed(1) + " °C", "num");
  if (e.temperature) temp.title = "raw " + e.temperature.raw_c.toFixed(2) + " °C";
  if (e.temperature && e.temperature.source === "manual") { temp.textContent += " ✍"; temp.title = t("manual"); }
  const cred = e.credential || {};
  const kind = word("kinds", cred.kind);
  const decision = el("td");
  decision.append(el("span", word("decisions", e.decision), "pill " + (TONE[e.decision] || "warn")));
  if (e.vehicle && typeof vehicleTag === "function") decision.append(vehicleTag(e.vehicle)); // vehicles.js
  const reasons = (e.reasons || []).map(r => (lang === "zh" ? r.zh : r.en) || word("reasons", r.code)).join(lang === "zh" ? "；" : "; ");
  return row([when, named("td", siteName(e.site), e.site, "wide"), named("td", unitName(e.site, e.unit), e.unit),
              el("td", word("lanes", e.lane), "wide"),
              temp, el("td", cred.result ? kind + " · " + word("results", cred.result) : kind, "wide"), decision,
              el("td", reasons, "reasons")]);
}

function renderEntries() {
  const rows = data.entries.length ? data.entries.map(entryRow) : [emptyRow(8, "noEntries")];
  document.getElementById("entries").replaceChildren(...rows);
}

// ---- alert feed -----------------------------------------------------------
// Open alerts keep their DOM node from poll to poll (keyed by id), so an
// official typing into an acknowledge form loses neither text nor focus.

function alertHead(a, li) {
  const head = li.querySelector(".head") || li.appendChild(el("div", null, "head"));
  const kind = el("span", word("alertKinds", a.kind), "pill " + (a.kind === "device" ? "warn" : "deny"));
  const sev = Object.hasOwn(SEVERITY_TONE, a.severity) ? a.severity : "medium";
  const severity = el("span", word("severities", sev), "pill severity " + SEVERITY_TONE[sev]);
  severity.title = t("severityTip");
  li.dataset.severity = sev; // the alert sound and styles read it
  const where = named("span", place(a.site, a.unit), a.site + " · " + a.unit, "where");
  const when = el("time", short(a.raised_at));
  when.dateTime = a.raised_at;
  when.title = t("raisedAt") + " " + clock(a.raised_at);
  const parts = [severity, kind, where, when];
  if (a.historical) { const tag = el("span", t("late"), "tag late"); tag.title = t("lateTip"); parts.push(tag); }
  if (a.resolved_at) parts.push(el("span", t("resolved"), "tag resolved"));
  head.replaceChildren(...parts);
  const detail = li.querySelector(".detail") || li.appendChild(el("p", null, "detail"));
  detail.textContent = a.detail || "";
}

let formSeq = 0; // unique ids tie each label to its input
function ackForm(a) {
  const form = el("form", null, "ack");
  form.noValidate = true; // ack() says what is missing, in the page's language
  const field = (cls, list) => {
    const id = "ack-" + (++formSeq);
    const label = el("label", null, "sr-only " + cls + "-label");
    label.htmlFor = id;
    const input = el("input", null, cls);
    Object.assign(input, { id, required: true, maxLength: cls === "ack-by" ? 40 : 200, autocomplete: "off" });
    if (list) input.setAttribute("list", list);
    form.append(label, input);
    return input;
  };
  field("ack-by").value = localStorage.getItem("kakou-ack-by") || "";
  field("ack-action", "ack-actions");
  form.append(el("button", null, "ack-submit"), el("span", null, "ack-error"));
  form.querySelector(".ack-error").setAttribute("role", "alert");
  form.addEventListener("submit", ev => { ev.preventDefault(); ack(form, a.id); });
  return form;
}

// labelForm sets the form's words, again after a language switch, without
// touching what has been typed.
function labelForm(form) {
  form.querySelector(".ack-by-label").textContent = t("ackBy");
  form.querySelector(".ack-action-label").textContent = t("ackAction");
  form.querySelector(".ack-by").placeholder = t("ackBy");
  form.querySelector(".ack-action").placeholder = t("ackAction");
  form.querySelector(".ack-submit").textContent = t("ackSubmit");
  // Logged in, the collector records the session's user whatever "by"
  // says (monitor.go, acknowledger): show that name rather than a field.
  const by = form.querySelector(".ack-by");
  if (me && me.mode === "login") Object.assign(by, { value: me.user, readOnly: true, title: t("ackByLogin") });
}

function alertItem(a, open) {
  const li = el("li", null, "alert " + (open ? "open" : "acked") + " kind-" + String(a.kind).replace(/[^a-z0-9_-]/gi, ""));
  li.dataset.alert = a.id;
  if (open) li.append(el("div", null, "head"), el("p", null, "detail"), ackForm(a));
  return li;
}

function updateAlert(li, a, open) {
  alertHead(a, li);
  if (open) { labelForm(li.querySelector("form")); return; }
  const info = li.querySelector(".ack-info") || li.appendChild(el("p", null, "ack-info"));
  info.replaceChildren(el("span", t("ackedBy")(a.acked_by || "?", a.acked_at ? short(a.acked_at) : "?"), "acked-by"),
                       lang === "zh" ? "：" : ": ", el("span", a.action || "", "acked-action"));
  if (a.acked_at) info.title = clock(a.acked_at);
}

// keyed replaces list's items with one node per item, reusing the node of
// an id already shown. Moving a node takes the focus from an input inside
// it, so the gone are removed first and a node is moved only when it is
// out of place: an alert acknowledged elsewhere, or a new one, leaves the
// form being filled in where it is.
function keyed(list, items, open) {
  const keep = new Set(items.map(a => a.id)), shown = new Map();
  for (const n of [...list.children]) {
    if (keep.has(n.dataset.alert)) shown.set(n.dataset.alert, n); else n.remove();
  }
  let prev = null;
  for (const a of items) {
    const li = shown.get(a.id) || alertItem(a, open);
    updateAlert(li, a, open);
    const want = prev ? prev.nextSibling : list.firstChild;
    if (li !== want) list.insertBefore(li, want);
    prev = li;
  }
}

function renderAlerts() {
  const byID = new Map();
  for (const a of data.recent) if (a.acked) byID.set(a.id, a);
  for (const [id, a] of ackedHere) if (!byID.has(id)) byID.set(id, a);
  const open = data.open.filter(a => !byID.has(a.id));
  const acked = [...byID.values()].sort((x, y) => new Date(y.acked_at) - new Date(x.acked_at)).slice(0, 10);
  keyed(document.getElementById("alerts-open"), open, true);
  keyed(document.getElementById("alerts-acked"), acked, false);
  document.getElementById("alerts-none").hidden = open.length > 0;
  const count = document.getElementById("open-count");
  count.hidden = open.length === 0;
  count.textContent = t("openCount")(open.length);
  document.title = (open.length ? "(" + open.length + ") " : "") + t("title");
  // The suggestions change with the language only: refilling the list at
  // every poll would close it under the official's finger.
  const list = document.getElementById("ack-actions");
  if (list.dataset.lang !== lang) {
    list.replaceChildren(...t("ackActions").map(v => { const o = el("option"); o.value = v; return o; }));
    list.dataset.lang = lang;
  }
}

// ack posts the acknowledgement. The collector accepts one: a second
// official gets 409 with the alert as the first one left it.
async function ack(form, id) {
  const by = form.querySelector(".ack-by").value.trim();
  const action = form.querySelector(".ack-action").value.trim();
  const msg = form.querySelector(".ack-error");
  const button = form.querySelector(".ack-submit");
  if (!by || !action) { msg.textContent = t("ackMissing"); return; }
  msg.textContent = "";
  button.disabled = true;
  try {
    const r = await fetch("/api/v1/alerts/" + encodeURIComponent(id) + "/ack", {
      method: "POST", headers: changeHeaders(),
      body: JSON.stringify({ by, action }), signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) { toLogin(); return; }
    const body = await r.json().catch(() => ({}));
    if (r.ok && body.alert) localStorage.setItem("kakou-ack-by", by);
    if ((r.ok || r.status === 409) && body.alert) {
      // Done, here or by someone else first: the feed shows who and what.
      ackedHere.set(id, Object.assign(body.alert, { seenAt: Date.now() }));
      renderAlerts();
    } else {
      msg.textContent = (r.status === 409 ? t("ackTaken") : t("ackFailed")) + (body.error ? (lang === "zh" ? "：" : ": ") + body.error : "");
    }
    pollNow();
  } catch (err) {
    msg.textContent = t("ackOffline");
  } finally {
    button.disabled = false;
  }
}

// forgetAcked drops the page's own acknowledgements once the server no
// longer lists them as open and they have had time on screen; the recent
// list holds only the latest-raised alerts, which an old one may not be in.
function forgetAcked() {
  const open = new Set(data.open.map(a => a.id));
  for (const [id, a] of ackedHere) {
    if (!open.has(id) && Date.now() - a.seenAt > ACKED_KEEP_MS) ackedHere.delete(id);
  }
}

// ---- hourly traffic: one inline SVG per site --------------------------------
// No chart library: the collector runs on a network with no internet.

const SVGNS = "http://www.w3.org/2000/svg";
const CHART = { w: 440, h: 180, left: 34, right: 8, top: 16, bottom: 22, maxHours: 48 };

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

// niceMax rounds a count up to 1, 2 or 5 times a power of ten, so the
// axis reads in round numbers.
function niceMax(n) {
  if (n <= 4) return Math.max(n, 1);
  const p = Math.pow(10, Math.floor(Math.log10(n)));
  return [1, 2, 5, 10].map(m => m * p).find(v => v >= n);
}

// hourSlots are the starts of the hours from since up to until.
function hourSlots(since, until) {
  const start = Math.floor(new Date(since) / 3600e3) * 3600e3;
  const end = Math.max(new Date(until).getTime(), start + 1);
  const slots = [];
  for (let h = start; h < end; h += 3600e3) slots.push(h);
  return slots.slice(-CHART.maxHours);
}


function chart(site, slots, counts) {
  const { w, h, left, right, top, bottom } = CHART;
  const pw = w - left - right, ph = h - top - bottom, n = slots.length;
  const series = key => slots.map(s => (counts.get(s) || {})[key] || 0);
  const ins = series("in"), outs = series("out"), fevers = series("fever");
  const max = niceMax(Math.max(...ins, ...outs, ...fevers));
  const x = i => left + (i + 0.5) * pw / n, y = v => top + ph - v * ph / max;
  const fig = el("figure", null, "chart");
  fig.dataset.site = site;
  fig.append(el("h3", siteName(site)));
  const g = svg("svg", { viewBox: "0 0 " + w + " " + h, role: "img" });
  g.setAttribute("aria-label", siteName(site) + " — " + t("traffic"));
  for (const v of max % 2 ? [0, max] : [0, max / 2, max]) { // whole people only
    g.append(svg("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), class: "grid" }),
             svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "axis" }, num(v)));
  }
  const step = Math.ceil(n / 8);
  slots.forEach((s, i) => {
    if (i % step) return;
    const label = new Date(s).toLocaleTimeString(locale(), inZone({ hour: "2-digit", minute: "2-digit", hour12: false }));
    g.append(svg("text", { x: x(i), y: h - 6, "text-anchor": "middle", class: "axis" }, label));
  });
  const pts = vals => vals.map((v, i) => x(i).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
  g.append(svg("polygon", { points: x(0) + "," + y(0) + " " + pts(ins) + " " + x(n - 1) + "," + y(0), class: "area" }),
           svg("polyline", { points: pts(outs), class: "s-out" }),
           svg("polyline", { points: pts(ins), class: "s-in" }));
  fevers.forEach((v, i) => {
    if (!v) return;
    g.append(svg("circle", { cx: x(i), cy: y(v), r: 5, class: "fever" }),
             svg("text", { x: x(i), y: y(v) - 8, class: "fever-n" }, num(v)));
  });
  // One hover target per hour says its numbers.
  slots.forEach((s, i) => {
    const hit = svg("rect", { x: left + i * pw / n, y: top, width: pw / n, height: ph, class: "hit" });
    hit.append(svg("title", {}, new Date(s).toLocaleString(locale(), inZone({ hour12: false, month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit" })) + "  " + t("in") + " " + ins[i] + " · " +
      t("out") + " " + outs[i] + " · " + t("fever") + " " + fevers[i]));
    g.append(hit);
  });
  fig.append(g);
  return fig;
}

function renderTraffic() {
  const box = document.getElementById("charts");
  const r = data.rollups;
  if (!r) return;
  const bySite = new Map();
  for (const row of r.rows || []) {
    if (!bySite.has(row.key)) bySite.set(row.key, new Map());
    bySite.get(row.key).set(new Date(row.start).getTime(), row.counts || {});
  }
  const slots = hourSlots(r.since, r.until);
  const figs = [...bySite.keys()].sort().map(site => chart(site, slots, bySite.get(site)));
  box.replaceChildren(...(figs.length ? figs : [el("p", t("noTraffic"), "empty")]));
}

// ---- occupancy --------------------------------------------------------------

function occupancyItem(s) {
  const li = el("li", null, "occ");
  li.dataset.site = s.site;
  const ratio = s.capacity > 0 ? s.inside / s.capacity : 0;
  if (s.full) li.classList.add("full");
  else if (ratio >= OCCUPANCY_NEAR) li.classList.add("near");
  const label = el("div", null, "label");
  const name = el("span", s.name && s.name !== s.site ? s.name : s.site, "name");
  name.title = s.site + (s.facility ? " · " + word("facilities", s.facility) : "");
  const count = el("span", null, "count");
  count.textContent = t("inside") + " " + num(s.inside) + " / " +
    (s.capacity > 0 ? t("capacity") + " " + num(s.capacity) : t("noCap"));
  if (s.full) count.append(" ", el("span", t("full"), "pill deny"));
  count.title = t("in") + " " + num(s.in) + " · " + t("out") + " " + num(s.out);
  label.append(name, count);
  li.append(label, occupancySource(s));
  if (s.capacity > 0) {
    const bar = el("div", null, "bar"), fill = el("div", null, "fill");
    fill.style.width = Math.min(100, ratio * 100).toFixed(1) + "%"; // CSSOM: allowed by the page's CSP
    bar.setAttribute("role", "meter");
    bar.setAttribute("aria-valuenow", String(s.inside));
    bar.setAttribute("aria-valuemax", String(s.capacity));
    bar.append(fill);
    li.append(bar);
  }
  return li;
}

// occupancySource says where the figure comes from: the site gateway's
// count (with its age, stale when not heard from), or in − out.
function occupancySource(s) {
  const src = el("div", null, "occ-source");
  if (s.source !== "gateway") {
    src.textContent = t("occEstimate");
  } else {
    src.textContent = t("occGateway") + " · " + t("occAge")(s.age_seconds || 0);
    if (s.stale) src.append(" ", el("span", t("occStale"), "pill amber"));
    if (s.waiting > 0) src.append(" · " + t("occWaiting")(s.waiting));
    const c = s.last_correction;
    if (c) src.append(" · " + t("occCorrected")(c.count, c.by_name || c.by));
  }
  src.dataset.source = s.source + (s.stale ? " stale" : "");
  return src;
}

function renderOccupancy() {
  const items = data.occupancy.length ? data.occupancy.map(occupancyItem) : [el("li", t("noSites"), "empty")];
  document.getElementById("occupancy-bars").replaceChildren(...items);
}

// ---- visitors inside ----------------------------------------------------------
// Each site's visitors not yet closed out at an exit (及时销号), longest
// inside first; the collector matches every lane's exits, so this is the
// list a shift hands over. One request per site the fleet shows.

async function pollVisits() {
  const sites = [...new Set(data.units.map(u => u.site))].sort();
  const lists = await Promise.allSettled(sites.map(s => getJSON("/api/v1/visits?site=" + encodeURIComponent(s))));
  errors.visits = lists.some(r => r.status === "rejected") ? String(lists.find(r => r.status === "rejected").reason) : null;
  data.visits = lists.flatMap((r, i) => r.status === "fulfilled" ? (r.value.visits || []).map(v => ({ ...v, site: sites[i] })) : []);
  data.visits.sort((a, b) => b.stay_seconds - a.stay_seconds);
}

function stayText(s) { return Math.floor(s / 3600) + "h" + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + "m"; }

function renderVisits() {
  const rows = data.visits.map(v => {
    const stay = el("td", stayText(v.stay_seconds));
    if (v.overstay) stay.append(" ", el("span", t("overstay"), "pill deny"));
    const entered = el("td", short(v.entered_at));
    entered.title = clock(v.entered_at);
    return row([named("td", siteName(v.site), v.site), el("td", v.code), el("td", v.name),
                named("td", unitName(v.site, v.unit), v.unit), entered, stay]);
  });
  document.getElementById("visits").replaceChildren(...(rows.length ? rows : [emptyRow(6, "noVisits")]));
}

// ---- daily report -------------------------------------------------------------

// REPORT_COLS are the count columns of the 日报, in the CSV's order; the
// second value hides a column on a phone, which keeps what an official
// checks there: totals, fevers, open alerts and the zero report.
const REPORT_COLS = [["total"], ["in", 1], ["out", 1], ["denied", 1], ["recheck", 1], ["fever"], ["visitors", 1],
                     ["overrides", 1], ["device_faults", 1], ["alerts_open"]];

function reportRow(r, total) {
  const cells = [total ? el("td", t("totalRow")) : named("td", siteName(r.site), r.site), el("td", total ? "" : r.name, "wide")];
  if (!total && r.facility) cells[0].title = r.site + " · " + word("facilities", r.facility);
  for (const [k, wide] of REPORT_COLS) {
    const td = el("td", num(r[k]), "num" + (wide ? " wide" : ""));
    if ((k === "fever" || k === "alerts_open") && r[k] > 0) td.classList.add("hot");
    cells.push(td);
  }
  const zero = el("td", r.zero_report ? null : "—", r.zero_report ? "zero-report" : "muted");
  if (r.zero_report) zero.append(el("span", t("zeroReport"), "pill allow"));
  cells.push(zero);
  const tr = row(cells);
  if (total) tr.className = "total";
  else tr.dataset.site = r.site;
  return tr;
}

// reportPath is the report's address; format "" is the JSON form.
function reportPath(date, format) {
  const q = new URLSearchParams();
  if (date) q.set("date", date);
  if (format) q.set("format", format);
  if (format && lang === "en") q.set("lang", "en"); // the file's headers in the page's language
  const s = q.toString();
  return "/api/v1/reports/daily" + (s ? "?" + s : "");
}

function renderReport() {
  const r = data.report;
  if (!r) return;
  document.getElementById("report-period").textContent = t("period")(clock(r.since), clock(r.until));
  for (const format of ["csv", "xlsx"]) {
    const a = document.getElementById("report-" + format);
    a.href = reportPath(r.date, format);
    a.textContent = t(format);
    a.hidden = false;
  }
  const input = document.getElementById("report-date");
  if (!reportDate && document.activeElement !== input) input.value = r.date || "";
  const rows = (r.sites || []).map(s => reportRow(s, false));
  if (r.total) rows.push(reportRow(r.total, true));
  document.getElementById("report-rows").replaceChildren(...(rows.length ? rows : [emptyRow(13, "noReport")]));
}

// ---- duty log -------------------------------------------------------------------
// Missed duties raise no alert: each site with a duty log today gets one
// line, turns done of those due, and the missed ones by name and time.

function renderDuties() {
  const list = document.getElementById("duty-sites");
  const sites = data.duties.filter(s => s.due > 0 || s.handovers.length > 0);
  if (!sites.length) { list.replaceChildren(el("li", t("noDuties"), "empty")); return; }
  list.replaceChildren(...sites.map(s => {
    const li = el("li");
    li.dataset.site = s.site;
    li.append(el("strong", siteName(s.site)), " " + t("dutyDone")(s.done.length, s.due));
    if (s.missed.length) {
      li.append(" · ", el("span", t("dutyMissed") + ": " +
        s.missed.map(m => m.name + " " + m.slot + " (" + unitName(s.site, m.unit) + ")").join(lang === "zh" ? "、" : ", "), "missed"));
    }
    if (s.handovers.length) li.append(" · " + t("handOvers")(s.handovers.length));
    return li;
  }));
}

// ---- polling --------------------------------------------------------------------
// One poll at a time: the next starts a second after the last one ended, so
// a slow collector gets fewer requests, never a pile of them.

let inFlight = false, again = false, timer = 0, lastSlow = -Infinity;

// PICK takes each endpoint's list out of its answer.
const PICK = { units: b => b.units || [], entries: b => b.entries || [], open: b => b.alerts || [],
               recent: b => b.alerts || [], occupancy: b => b.sites || [], rollups: b => b, report: b => b,
               duties: b => b.sites || [],
               visits: b => b.visits || [] };

async function getJSON(path) {
  const r = await fetch(path, { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (r.status === 401) toLogin(); // the session ended: log in again
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

async function poll() {
  clearTimeout(timer);
  if (inFlight) { again = true; return; }
  inFlight = true;
  const slow = Date.now() - lastSlow >= SLOW_MS;
  const paths = { units: "/api/v1/units" + (fleetRegion ? "?region=" + encodeURIComponent(fleetRegion) : ""), entries: "/api/v1/entries?limit=50",
                  open: "/api/v1/alerts?open=1&limit=200", recent: "/api/v1/alerts?limit=50",
                  occupancy: "/api/v1/occupancy" };
  if (slow) {
    lastSlow = Date.now();
    // A guard's scope is their unit: its counts, and no site report.
    const guard = me && me.role === "guard";
    paths.rollups = "/api/v1/rollups?by=" + (guard ? "unit" : "site") + "&bucket=hour&metrics=in,out,fever";
    if (!guard) paths.report = reportPath(reportDate);
    paths.duties = "/api/v1/duties";
  }
  await pollVisits();
  try {
    const keys = Object.keys(paths);
    const results = await Promise.allSettled(keys.map(k => getJSON(paths[k])));
    results.forEach((r, i) => {
      const k = keys[i];
      errors[k] = r.status === "rejected" ? String(r.reason) : null;
      if (r.status === "fulfilled") data[k] = PICK[k](r.value);
    });
    forgetAcked();
    render(slow);
  } finally {
    inFlight = false;
    timer = setTimeout(poll, again ? 0 : POLL_MS);
    again = false;
  }
}

// pollNow asks for fresh data at once, after the poll in flight if any.
function pollNow() {
  if (inFlight) { again = true; return; }
  clearTimeout(timer);
  timer = setTimeout(poll, 0);
}

// ---- who is logged in -------------------------------------------------------------
// The collector keeps the session in an HttpOnly cookie; /api/v1/session says
// who it is and gives the CSRF token every change must carry (auth_guard.go).

let me = null; // { user, role, site, unit, mode, csrf_token } once known

function toLogin() { location.assign("/login"); }

async function loadMe() {
  try {
    const r = await fetch("/api/v1/session", { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) { toLogin(); return; }
    if (r.ok) me = await r.json();
  } catch (err) { /* unreachable: the status line says so, and polling goes on */ }
  document.querySelector("section.report").hidden = !!me && me.role === "guard";
  renderWho();
}

// changeHeaders go with every request that changes something.
function changeHeaders() {
  return { "Content-Type": "application/json", "X-CSRF-Token": (me && me.csrf_token) || "" };
}

function renderWho() {
  const login = !!me && me.mode === "login" && me.via === "session";
  const scope = me && me.site ? place(me.site, me.unit) : "";
  document.getElementById("who").textContent = login
    ? me.user + " · " + word("roles", me.role) + (scope ? " · " + scope : "") : "";
  document.getElementById("logout").hidden = !login;
}

async function logout() {
  try {
    await fetch("/logout", { method: "POST", headers: changeHeaders(), signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } finally {
    toLogin();
  }
}

// ---- page ----------------------------------------------------------------------

function renderErrors() {
  document.querySelectorAll("[data-error]").forEach(p => {
    const name = p.dataset.error;
    const failed = name === "alerts" ? errors.open || errors.recent : errors[name];
    p.hidden = !failed;
    p.textContent = failed ? t("unavailable") : "";
    if (failed) p.title = failed;
  });
  const s = document.getElementById("status");
  const ok = !errors.units;
  s.className = ok ? "" : "bad";
  s.textContent = ok ? t("updated") + " " + new Date().toLocaleTimeString(locale(), inZone({ hour12: false }))
                     : t("unreachable");
}

// render draws every section; the charts and the report only when their
// data came in (slow) or the language changed, as they change slowly.
function render(slow) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-t]").forEach(n => { n.textContent = t(n.dataset.t); });
  document.getElementById("lang").textContent = lang === "zh" ? "EN" : "中文";
  renderWho();
  renderAlerts();
  renderFleet();
  renderOccupancy();
  renderVisits();
  if (slow) { renderTraffic(); renderReport(); renderDuties(); }
  renderEntries();
  screens.forEach(draw => draw(slow));
  renderErrors();
}

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("kakou-lang", lang);
  render(true);
});
document.getElementById("report-date").addEventListener("change", ev => {
  reportDate = ev.target.value;
  lastSlow = -Infinity;
  pollNow();
});
// A phone puts a hidden tab to sleep; catch up as soon as it is looked at.
document.addEventListener("visibilitychange", () => { if (!document.hidden) pollNow(); });
document.getElementById("logout").addEventListener("click", logout);
render(true);
loadMe().finally(poll);
