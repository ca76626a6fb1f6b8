"use strict";
// The program updates screen (程序更新): the rollouts the centre started,
// each with its stage and who has the version, who is waiting, who
// refused it and who rolled back and why; central monitoring starts one
// (program, version, sites or region, canaries), promotes it to the rest
// of its scope once the canaries kept it, or stops it. It runs after
// dashboard.js and uses its helpers (t, el, row, emptyRow, short, clock,
// changeHeaders, toLogin) and state (me, lang).

Object.assign(T.zh, {
  updates: "程序更新", updProgram: "程序", updVersion: "版本", updSites: "站点（逗号分隔，留空为全部）",
  updRegion: "或区域", updCanary: "先行设备（站点/设备，逗号分隔）", updStart: "开始更新", updStage: "阶段",
  updCounts: "进度", updBy: "发起人", updAt: "发起时间", updPromote: "推广至全部", updStop: "停止",
  updDetail: "查看", updUnit: "设备", updPhase: "状态", updRunning: "运行版本", updReason: "原因",
  updNone: "尚未发起程序更新", updNoDevices: "暂无设备上报", updCanaryMark: "先行",
  updStarted: (v, n) => "已发起 " + v + "，已推送 " + n + " 台", updPromoted: n => "已推广，推送 " + n + " 台",
  updStopped: "已停止，未安装的设备保持原版本", updSkipped: n => n + " 台未推送：",
  updForbidden: "只有中心监控可以发起程序更新", updFailed: "服务器出错，请重试", updLoadFailed: "无法获取程序更新，显示的是旧数据",
  "stage:canary": "先行设备", "stage:fleet": "全部设备", "stage:stopped": "已停止",
  "phase:kept": "已更新", "phase:waiting": "等待中", "phase:pending": "安装中", "phase:refused": "拒绝",
  "phase:rolled-back": "已回退", "phase:skipped": "未推送",
});
Object.assign(T.en, {
  updates: "Program updates", updProgram: "Program", updVersion: "Version", updSites: "Sites (comma-separated; empty for all)",
  updRegion: "or region", updCanary: "Canaries (site/unit, comma-separated)", updStart: "Start rollout", updStage: "Stage",
  updCounts: "Progress", updBy: "Started by", updAt: "Started", updPromote: "Promote to all", updStop: "Stop",
  updDetail: "Show", updUnit: "Device", updPhase: "Phase", updRunning: "Running", updReason: "Reason",
  updNone: "No rollout started yet", updNoDevices: "No device has reported", updCanaryMark: "canary",
  updStarted: (v, n) => "Started " + v + "; pushed to " + n, updPromoted: n => "Promoted; pushed to " + n,
  updStopped: "Stopped; devices that had not installed keep their version", updSkipped: n => n + " not pushed: ",
  updForbidden: "Only central monitoring rolls out programs", updFailed: "The collector failed; try again",
  updLoadFailed: "Cannot fetch the rollouts just now; what is shown is old",
  "stage:canary": "canaries", "stage:fleet": "whole scope", "stage:stopped": "stopped",
  "phase:kept": "kept", "phase:waiting": "waiting", "phase:pending": "installing", "phase:refused": "refused",
  "phase:rolled-back": "rolled back", "phase:skipped": "not pushed",
});

const UPDATE_READERS = ["monitor", "tracer", "site_manager"];
// ust is the screen's state: the rollouts as last fetched, the one shown
// in detail and its view, the message and error, and what is drawn.
const ust = { list: null, shown: "", view: null, msg: "", err: "", busy: false, drawn: "" };

function mayReadUpdates() { return !!me && UPDATE_READERS.includes(me.role); }
function mayRollOut() { return !!me && me.role === "monitor" && !me.region; }
function tOr(key) { const v = t(key); return v === undefined ? key.replace(/^\w+:/, "") : v; }

async function updFetch(path) {
  const r = await fetch(path, { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (r.status === 401) toLogin();
  return r;
}

async function loadUpdates() {
  try {
    const r = await updFetch("/api/v1/updates");
    if (r.status === 404) { ust.list = { off: true }; drawUpdates(); return; }
    if (!r.ok) { ust.err = "updLoadFailed"; drawUpdates(); return; }
    ust.list = await r.json();
    const rs = ust.list.rollouts || [];
    if (!ust.shown && rs.length) ust.shown = rs[0].program + "/" + rs[0].version;
    if (ust.shown) {
      const v = await updFetch("/api/v1/updates/" + ust.shown);
      if (v.ok) ust.view = await v.json();
    }
    if (ust.err === "updLoadFailed") ust.err = "";
  } catch (e) { ust.err = "updLoadFailed"; }
  drawUpdates();
}

// change POSTs a start, promotion or stop and shows its answer: the
// collector's own words when it refuses (which canary, which binary).
async function changeRollout(path, body, done) {
  if (ust.busy) return;
  ust.busy = true; ust.err = ""; ust.msg = "";
  drawUpdates();
  try {
    const r = await fetch(path, { method: "POST", headers: changeHeaders(), body: JSON.stringify(body),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) toLogin();
    const a = await r.json().catch(() => ({}));
    if (r.status === 403) ust.err = "updForbidden";
    else if (!r.ok) ust.msg = a.error || t("updFailed");
    else {
      const sk = a.skipped || [];
      ust.msg = done(a) + (sk.length ? " · " + t("updSkipped")(sk.length) +
        sk.map(s => s.site + "/" + s.unit + " (" + s.why + ")").join("; ") : "");
    }
  } catch (e) { ust.err = "updFailed"; }
  ust.busy = false;
  await loadUpdates();
}

function splitList(s) { return s.split(/[,，\s]+/).map(x => x.trim()).filter(Boolean); }

function startRollout() {
  const program = document.getElementById("upd-program").value;
  const version = document.getElementById("upd-version").value.trim();
  const sites = splitList(document.getElementById("upd-sites").value);
  const region = document.getElementById("upd-region").value.trim();
  const scope = region ? { region } : (sites.length ? { sites } : {});
  const canary = splitList(document.getElementById("upd-canary").value);
  ust.shown = program + "/" + version;
  changeRollout("/api/v1/updates", { program, version, scope, canary }, a => t("updStarted")(version, a.pushed));
}

function countsText(c) {
  return ["kept", "waiting", "pending", "refused", "rolled-back", "skipped"].filter(p => c && c[p])
    .map(p => tOr("phase:" + p) + " " + c[p]).join(" · ") || "—";
}

function rolloutRow(ro) {
  const id = ro.program + "/" + ro.version;
  const acts = el("td");
  const show = el("button", t("updDetail"));
  show.type = "button";
  show.addEventListener("click", () => { ust.shown = id; ust.view = null; loadUpdates(); });
  acts.append(show);
  if (mayRollOut() && ro.stage === "canary") {
    const p = el("button", t("updPromote"), "upd-promote");
    p.type = "button";
    p.disabled = ust.busy;
    p.addEventListener("click", () => changeRollout("/api/v1/updates/" + id + "/promote", {}, a => t("updPromoted")(a.pushed)));
    acts.append(p);
  }
  if (mayRollOut() && ro.stage !== "stopped") {
    const s = el("button", t("updStop"), "upd-stop");
    s.type = "button";
    s.disabled = ust.busy;
    s.addEventListener("click", () => changeRollout("/api/v1/updates/" + id + "/stop", {}, () => t("updStopped")));
    acts.append(s);
  }
  const at = el("td", short(ro.started_at));
  at.title = clock(ro.started_at);
  const tr = row([el("td", ro.program), el("td", ro.version), el("td", tOr("stage:" + ro.stage)),
    el("td", countsText(ro.counts), "wide"), el("td", ro.started_by), at, acts]);
  tr.dataset.rollout = id;
  return tr;
}

function deviceRow(d) {
  const unit = el("td", d.site + "/" + d.unit + (d.canary ? " · " + t("updCanaryMark") : ""));
  const tr = row([unit, el("td", tOr("phase:" + d.phase)), el("td", d.firmware || "—"), el("td", d.reason || "—", "wide")]);
  tr.dataset.unit = d.site + "/" + d.unit;
  tr.dataset.phase = d.phase;
  return tr;
}

function drawUpdates() {
  const section = document.getElementById("updates");
  section.hidden = !mayReadUpdates() || !!(ust.list && ust.list.off);
  if (section.hidden) return;
  document.getElementById("upd-start").hidden = !mayRollOut();
  const err = document.getElementById("upd-error");
  err.hidden = !ust.err;
  err.textContent = ust.err ? t(ust.err) : "";
  document.getElementById("upd-done").textContent = ust.msg;
  document.getElementById("upd-submit").disabled = ust.busy;
  const key = JSON.stringify([lang, ust.list, ust.view, ust.busy]);
  if (key === ust.drawn) return;
  ust.drawn = key;
  const rs = (ust.list && ust.list.rollouts) || [];
  document.getElementById("upd-rows").replaceChildren(...(rs.length ? rs.map(rolloutRow) : [emptyRow(7, "updNone")]));
  const v = ust.view;
  document.getElementById("upd-shown").textContent = v ? v.program + " " + v.version + " · " + tOr("stage:" + (v.stage || "fleet")) : "";
  const ds = (v && v.devices) || [];
  document.getElementById("upd-devices").replaceChildren(...(ds.length ? ds.map(deviceRow) : [emptyRow(4, "updNoDevices")]));
}

screens.push(slow => {
  if (!mayReadUpdates()) { drawUpdates(); return; }
  if ((slow || ust.list === null) && !ust.busy) loadUpdates();
  drawUpdates();
});
document.getElementById("upd-start").addEventListener("submit", ev => { ev.preventDefault(); startRollout(); });
