"use strict";
// The roster screen: the centre's watch roster of people in home quarantine,
// health monitoring and returnees (cloud/README.md "Watch roster"), for the
// control room and a site's manager. It runs after dashboard.js and uses its
// helpers (t, word, el, row, emptyRow, short, clock, siteName, changeHeaders,
// toLogin) and state (me, lang). The collector holds every answer to the
// caller's sites (roster.go); a person is shown by masked pass, household and
// whether an ID or phone is on file, never by a hash.

Object.assign(T.zh, {
  roster: "居家隔离 / 健康监测 / 返乡人员名单", rosterPass: "出入证", rosterHousehold: "户",
  rosterKind: "类别（今日）", rosterPeriod: "期间", rosterTests: "核酸", rosterOutcome: "卡口处置",
  rosterOnFile: "已登记", rosterNote: "备注", rosterSearch: "查找", rosterFind: "出入证号或户（如 3号楼2单元501）",
  rosterNone: "名单中没有符合条件的人员", rosterTotal: n => "共 " + n + " 人", rosterEnd: "解除",
  rosterConfirmEnd: who => "将 " + who + " 移出名单：各卡口将不再提示此人。", rosterDoEnd: "确认解除", rosterCancel: "取消",
  rosterEnded: who => "已解除 " + who, rosterID: "身份证", rosterPhone: "电话", rosterNoKey: "—",
  rosterByPolicy: "按策略", rosterForbidden: "您无权修改该名单", rosterFailed: "服务器出错，请重试",
  rosterLoadFailed: "无法获取名单，显示的是旧数据", rosterVersion: v => "已下发版本 " + v,
  rosterPlan: (from, to, plan) => from + " 至 " + to + "（" + plan + " 天）",
});
Object.assign(T.en, {
  roster: "Home quarantine / health monitoring / returnees", rosterPass: "Pass", rosterHousehold: "Household",
  rosterKind: "Kind (today)", rosterPeriod: "Period", rosterTests: "Tests", rosterOutcome: "At the gate",
  rosterOnFile: "On file", rosterNote: "Note", rosterSearch: "Find", rosterFind: "Pass number or household (3-2-501)",
  rosterNone: "Nobody on the roster matches", rosterTotal: n => n + " people", rosterEnd: "End",
  rosterConfirmEnd: who => "Take " + who + " off the roster: no gate will flag them any more.", rosterDoEnd: "End now",
  rosterCancel: "Cancel", rosterEnded: who => "Ended " + who, rosterID: "ID", rosterPhone: "phone", rosterNoKey: "—",
  rosterByPolicy: "by policy", rosterForbidden: "You may not change this roster", rosterFailed: "The collector failed; try again",
  rosterLoadFailed: "Cannot fetch the roster just now; the list shown is old", rosterVersion: v => "pushed version " + v,
  rosterPlan: (from, to, plan) => from + " to " + to + " (" + plan + " days)",
});

const ROSTER_READERS = ["monitor", "tracer", "site_manager"], ROSTER_WRITERS = ["monitor", "site_manager"];
const WATCH_KINDS = { zh: { home_quarantine: "居家隔离", health_monitoring: "健康监测", returnee: "返乡人员" },
                      en: { home_quarantine: "home quarantine", health_monitoring: "health monitoring", returnee: "returnee" } };
// wr is the screen's state: the search, the answer, the entry waiting for
// confirmation, and what is drawn.
const wr = { find: "", list: null, pending: null, msg: "", err: "", busy: false, drawn: "" };

function mayReadRoster() { return !!me && ROSTER_READERS.includes(me.role); }
function kindWord(k) { return WATCH_KINDS[lang][k] || k; }
function rosterWho(e) { return (e.household || e.pass || e.id); }

async function loadRoster() {
  const q = new URLSearchParams();
  const f = wr.find.trim();
  if (f) q.set(/^[A-Za-z0-9_*-]+$/.test(f) && !/^\d+(-\d+)+$/.test(f) ? "pass" : "household", f);
  try {
    const r = await fetch("/api/v1/roster?" + q, { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) toLogin();
    if (r.status === 404) { wr.list = { off: true }; drawRoster(); return; }
    if (!r.ok) { wr.err = "rosterLoadFailed"; drawRoster(); return; }
    wr.list = await r.json();
    if (wr.err === "rosterLoadFailed") wr.err = "";
  } catch (e) { wr.err = "rosterLoadFailed"; }
  drawRoster();
}

async function endEntry(e) {
  if (wr.busy) return;
  wr.busy = true; wr.err = ""; wr.msg = "";
  try {
    const r = await fetch("/api/v1/roster/" + encodeURIComponent(e.id) + "/end",
      { method: "POST", headers: changeHeaders(), body: "{}", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) toLogin();
    if (!r.ok) wr.err = r.status === 403 || r.status === 404 ? "rosterForbidden" : "rosterFailed";
    else wr.msg = t("rosterEnded")(rosterWho(e));
  } catch (err) { wr.err = "rosterFailed"; }
  wr.busy = false; wr.pending = null;
  await loadRoster();
}

function rosterRow(e) {
  const onFile = [e.has_id ? t("rosterID") : "", e.has_phone ? t("rosterPhone") : ""].filter(Boolean).join(" · ") || t("rosterNoKey");
  const kind = el("td");
  kind.append(el("span", e.now ? kindWord(e.now) : kindWord(e.kind), "pill " + (e.now === "home_quarantine" ? "deny" : "amber")));
  const period = el("td", t("rosterPlan")(short(e.start), short(e.end), e.plan), "wide");
  period.title = clock(e.start) + " – " + clock(e.end);
  const acts = el("td");
  if (ROSTER_WRITERS.includes(me.role)) {
    const end = el("button", t("rosterEnd"), "roster-end");
    end.type = "button";
    end.disabled = wr.busy;
    end.addEventListener("click", () => { wr.pending = e; drawRoster(); });
    acts.append(end);
  }
  const tr = row([el("td", siteName(e.site)), el("td", e.pass || "—"), el("td", e.household || "—"), kind, period,
    el("td", (e.tests || []).join(" · ") || "—", "wide"), el("td", e.outcome ? word("decisions", e.outcome) : t("rosterByPolicy")),
    el("td", onFile), el("td", e.note || "", "wide"), acts]);
  tr.dataset.entry = e.id;
  return tr;
}

function drawRosterConfirm(box) {
  const e = wr.pending;
  box.hidden = !e;
  if (!e) { box.replaceChildren(); return; }
  const go = el("button", t("rosterDoEnd"), "roster-go");
  go.type = "button";
  go.addEventListener("click", () => endEntry(e));
  const cancel = el("button", t("rosterCancel"));
  cancel.type = "button";
  cancel.addEventListener("click", () => { wr.pending = null; drawRoster(); });
  box.replaceChildren(el("p", t("rosterConfirmEnd")(rosterWho(e))), go, cancel);
}

function drawRoster() {
  const section = document.getElementById("roster");
  document.getElementById("roster-find").placeholder = t("rosterFind");
  section.hidden = !mayReadRoster() || !!(wr.list && wr.list.off);
  if (section.hidden) return;
  const err = document.getElementById("roster-error");
  err.hidden = !wr.err;
  err.textContent = wr.err ? t(wr.err) : "";
  document.getElementById("roster-done").textContent = wr.msg;
  const key = JSON.stringify([lang, wr.list, wr.pending, wr.busy]);
  if (key === wr.drawn) return;
  wr.drawn = key;
  const l = wr.list || { counts: {}, entries: [], total: 0, version: 0 };
  const counts = Object.keys(WATCH_KINDS.zh).map(k => kindWord(k) + " " + ((l.counts || {})[k] || 0));
  document.getElementById("roster-counts").textContent =
    t("rosterTotal")(l.total || 0) + " · " + counts.join(" · ") + (l.version ? " · " + t("rosterVersion")(l.version) : "");
  drawRosterConfirm(document.getElementById("roster-confirm"));
  const list = l.entries || [];
  document.getElementById("roster-rows").replaceChildren(...(list.length ? list.map(rosterRow) : [emptyRow(10, "rosterNone")]));
}

screens.push(slow => {
  if (!mayReadRoster()) { drawRoster(); return; }
  if ((slow || wr.list === null) && !wr.busy && !wr.pending) loadRoster();
  drawRoster();
});
document.getElementById("roster-search").addEventListener("submit", ev => {
  ev.preventDefault();
  wr.find = document.getElementById("roster-find").value;
  wr.msg = "";
  loadRoster();
});
