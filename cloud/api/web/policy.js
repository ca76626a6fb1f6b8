"use strict";
// The policy screen (策略下发): choose a profile for a region, a facility
// type in a region, a site or a unit; see its effective dates and what it
// changes against what runs there now; confirm; and see which version
// each unit runs against the one chosen for it (cloud/README.md "Policy
// assignment"). It runs after dashboard.js and uses its helpers (t, el,
// row, emptyRow, clock, siteName, word, changeHeaders, toLogin) and state
// (me, lang). Monitors choose; tracers and site managers only look: the
// collector refuses anyone else's choice (policies.go), the screen only
// spares them a dead form.

Object.assign(T.zh, {
  policy: "策略下发", polScope: "范围", polTarget: "对象", polProfile: "策略", polRegion: "区域",
  polFacility: "场所类型", polSite: "点位", polUnit: "设备", polPreview: "将要变化",
  polEffective: "生效时间", polAlways: "长期有效", polFrom: "起", polTo: "止",
  polNoChange: "与现行策略相同", polRule: "规则", polNow: "现行", polNew: "新策略",
  polReaches: n => "涉及 " + n + " 台设备", polConfirm: "确认下发", polDone: p => "已下发 " + p,
  polNotPushed: "已保存；部分设备离线，上线后自动下发", polUnits: "各设备运行版本",
  polRuns: "运行版本", polWanted: "应为", polLag: "未同步", polInSync: "已同步", polNone: "未指定",
  polProblems: "以下策略文件有误，未载入：", polOff: "本服务器未开启策略下发",
  polLook: "仅可查看：策略由监控中心下发", polFailed: "未下发：", polOffline: "无法连接服务器，未下发，请重试",
  polScopes: { region: "区域", facility: "区域内某类场所", site: "点位", unit: "设备" },
  polDefault: "（默认）", polMixed: "（各设备不一）", polAll: "全部",
});
Object.assign(T.en, {
  policy: "Policies", polScope: "Scope", polTarget: "For", polProfile: "Profile", polRegion: "Region",
  polFacility: "Facility type", polSite: "Site", polUnit: "Unit", polPreview: "What changes",
  polEffective: "In effect", polAlways: "always", polFrom: "from", polTo: "to",
  polNoChange: "Same as what runs there now", polRule: "Rule", polNow: "Now", polNew: "New",
  polReaches: n => n + " unit(s) concerned", polConfirm: "Confirm and push", polDone: p => "Pushed " + p,
  polNotPushed: "Saved; units offline get it when they reconnect", polUnits: "Versions the units run",
  polRuns: "Runs", polWanted: "Chosen", polLag: "lagging", polInSync: "in sync", polNone: "none chosen",
  polProblems: "These policy files have errors and were not loaded:", polOff: "Policy push is off in this collector",
  polLook: "View only: central monitoring chooses policies", polFailed: "Not pushed: ", polOffline: "Cannot reach the collector; not pushed, try again",
  polScopes: { region: "Region", facility: "Facility type in a region", site: "Site", unit: "Unit" },
  polDefault: "(default)", polMixed: "(differs by unit)", polAll: "all",
});
// The rules' names in the summary, part by part (checks.health_code.mode).
Object.assign(T.zh, { polWords: { checks: "", temperature: "体温", health_code: "健康码", travel_card: "行程卡",
  nucleic_acid: "核酸", mask: "口罩", resident_pass: "出入证", visitor: "访客", courier: "快递外卖", capacity: "限流",
  watch: "隔离名单", mode: "检查方式", window: "有效期", accept: "放行状态", outcome: "不符时", on_fever: "发热时",
  max: "上限", action: "处理", fever_threshold_c: "发热阈值 °C", fever_compare: "阈值比较", recheck_window: "复测时限",
  min_guards: "最少值守人数", duties: "值守事项", applies_to: "适用人员", max_stay: "访客最长停留", confirm: "确认方式" } });
Object.assign(T.en, { polWords: { checks: "" } });

const POLICY_ROLES = ["monitor", "tracer", "site_manager"];
// ps is the screen's state: the last view, the choice being made, the
// outcome of the last push, and what is drawn.
const ps = { view: null, scope: "site", target: "", facility: "", profile: "", msg: "", err: "", busy: false,
             off: false, drawn: "" };

async function loadPolicies() {
  try {
    const r = await fetch("/api/v1/policies", { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) toLogin();
    if (r.status === 404) { ps.off = true; drawPolicies(); return; }
    if (r.ok) ps.view = await r.json();
  } catch (e) { /* the status line says the collector is unreachable */ }
  drawPolicies();
}

function profileBy(field, v) { return ((ps.view && ps.view.profiles) || []).find(p => p[field] === v); }

// targetOptions are what the scope can be chosen for, as [value, label].
function targetOptions() {
  const v = ps.view;
  const regionName = id => { const r = v.regions.find(x => x.id === id); return r ? r.name || id : id; };
  switch (ps.scope) {
    case "region": case "facility": return v.regions.map(r => [r.id, regionName(r.id)]);
    case "site": return v.sites.map(s => [s.id, s.name && s.name !== s.id ? s.id + " · " + s.name : s.id]);
    default: return v.units.map(u => [u.site + "/" + u.id, siteName(u.site) + " / " + u.id]);
  }
}

// targetString is the target the API takes for the choice on screen.
function targetString() { return ps.scope === "facility" ? ps.target + "/" + ps.facility : ps.target; }

// reached are the units the choice concerns, by the same reach the
// collector gives it: a region's units of the profile's facility type.
function reached(profile) {
  const v = ps.view;
  const site = id => v.sites.find(s => s.id === id) || { regions: [], facility: "" };
  return v.units.filter(u => {
    const s = site(u.site), fac = s.facility || u.facility;
    switch (ps.scope) {
      case "unit": return u.site + "/" + u.id === ps.target;
      case "site": return u.site === ps.target;
      case "facility": return s.regions.includes(ps.target) && fac === ps.facility;
      default: return s.regions.includes(ps.target) && (!fac || !profile || fac === profile.facility);
    }
  });
}

// ruleName puts a summary key in the page's language, part by part.
function ruleName(key) {
  return key.split(".").map(p => word("polWords", p)).filter(Boolean).join(" · ") || key;
}

// diffRows compare the profile with what the units concerned run now.
function diffRows(profile, units) {
  const nowProfiles = [...new Set(units.map(u => u.policy_version))].map(ver => profileBy("version", ver));
  const keys = new Set(Object.keys(profile.summary || {}));
  nowProfiles.forEach(p => Object.keys((p && p.summary) || {}).forEach(k => keys.add(k)));
  const rows = [];
  [...keys].sort().forEach(k => {
    const next = (profile.summary || {})[k];
    const olds = [...new Set(nowProfiles.map(p => (p && p.summary || {})[k]))];
    const old = olds.length > 1 ? t("polMixed") : olds[0];
    if (olds.length === 1 && old === next) return;
    const show = x => x === undefined ? t("polDefault") : x;
    const tr = row([el("td", ruleName(k), "pol-rule"), el("td", show(old), "pol-old"), el("td", show(next), "pol-new")]);
    tr.dataset.rule = k;
    rows.push(tr);
  });
  return rows;
}

function effective(p) {
  if (!p.effective_from && !p.effective_to) return t("polAlways");
  return [p.effective_from ? t("polFrom") + " " + clock(p.effective_from) : "",
          p.effective_to ? t("polTo") + " " + clock(p.effective_to) : ""].filter(Boolean).join(" ");
}

async function assignPolicy() {
  if (ps.busy) return;
  ps.busy = true; ps.err = ""; ps.msg = "";
  drawPolicies();
  try {
    const r = await fetch("/api/v1/policies/assign", { method: "POST", headers: changeHeaders(),
      body: JSON.stringify({ scope: ps.scope, target: targetString(), profile: ps.profile, by: (me && me.user) || "anonymous" }),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) toLogin();
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { ps.err = t("polFailed") + (body.error || "HTTP " + r.status); return; }
    ps.msg = t("polDone")(body.assignment.version) + (body.pushed === false ? " · " + t("polNotPushed") : "");
  } catch (e) {
    ps.err = t("polOffline");
  } finally {
    ps.busy = false;
    await loadPolicies();
  }
}

// ---- drawing ----------------------------------------------------------------

function fillSelect(id, options, value) {
  const s = document.getElementById(id);
  const key = JSON.stringify(options);
  if (s.dataset.key !== key) {
    s.replaceChildren(...options.map(([v, label]) => { const o = el("option", label); o.value = v; return o; }));
    s.dataset.key = key;
  }
  if (!options.some(([v]) => v === value)) value = options.length ? options[0][0] : "";
  s.value = value;
  return value;
}

function drawPolicyUnits(v) {
  const rows = v.units.map(u => {
    const lag = u.wanted_version && u.lagging;
    const state = el("td");
    state.append(el("span", t(!u.wanted_version ? "polNone" : lag ? "polLag" : "polInSync"),
      "pill " + (!u.wanted_version ? "grey" : lag ? "deny" : "allow")));
    const tr = row([el("td", siteName(u.site), "wide"), el("td", u.id), el("td", u.policy_version || "—"),
      el("td", u.wanted_version || "—"), state]);
    tr.dataset.unit = u.site + "/" + u.id;
    return tr;
  });
  document.getElementById("pol-units").replaceChildren(...(rows.length ? rows : [emptyRow(5, "noUnits")]));
}

function drawPolicies() {
  const section = document.getElementById("policy");
  section.hidden = !me || !POLICY_ROLES.includes(me.role) || ps.off || !ps.view;
  if (section.hidden) return;
  const v = ps.view;
  const problems = document.getElementById("pol-problems");
  problems.hidden = !v.problems.length;
  problems.replaceChildren(...(v.problems.length ? [el("span", t("polProblems")), ...v.problems.map(p => el("code", p))] : []));
  const may = !!v.can_assign;
  document.getElementById("pol-form").hidden = !may;
  document.getElementById("pol-look").hidden = may;
  document.getElementById("pol-look").textContent = t("polLook");
  const done = document.getElementById("pol-done");
  done.textContent = ps.msg;
  const err = document.getElementById("pol-error");
  err.hidden = !ps.err; err.textContent = ps.err;
  const key = JSON.stringify([lang, v, ps.scope, ps.target, ps.facility, ps.profile, ps.busy]);
  if (key === ps.drawn) return; // an open <select> stays open between polls
  ps.drawn = key;
  drawPolicyUnits(v);
  if (!may) return;
  const scopes = ["region", "facility", "site", "unit"].filter(s => v.regions.length || (s !== "region" && s !== "facility"));
  ps.scope = fillSelect("pol-scope", scopes.map(s => [s, word("polScopes", s)]), ps.scope);
  ps.target = fillSelect("pol-target", targetOptions(), ps.target);
  const facLabel = document.getElementById("pol-facility-label");
  facLabel.hidden = ps.scope !== "facility";
  ps.facility = fillSelect("pol-facility", v.facilities.map(f => [f, word("facilities", f)]), ps.facility);
  ps.profile = fillSelect("pol-profile", v.profiles.map(p => [p.name, p.name + " · " + p.version + (p.title ? " · " + p.title : "")]), ps.profile);
  const profile = profileBy("name", ps.profile);
  const preview = document.getElementById("pol-preview");
  preview.hidden = !profile;
  if (!profile) return;
  const units = reached(profile);
  document.getElementById("pol-effective").textContent = t("polEffective") + "：" + effective(profile);
  document.getElementById("pol-reach").textContent = t("polReaches")(units.length);
  const rows = diffRows(profile, units);
  document.getElementById("pol-diff").replaceChildren(...(rows.length ? rows : [emptyRow(3, "polNoChange")]));
  document.getElementById("pol-confirm").disabled = ps.busy || !ps.target;
}

screens.push(slow => {
  if (!me || !POLICY_ROLES.includes(me.role)) { drawPolicies(); return; }
  if (slow || !ps.view) loadPolicies(); // other operators' choices and the units' versions, every 10 s
  drawPolicies();
});
[["pol-scope", "scope"], ["pol-target", "target"], ["pol-facility", "facility"], ["pol-profile", "profile"]].forEach(([id, field]) => {
  document.getElementById(id).addEventListener("change", ev => {
    ps[field] = ev.target.value;
    if (field === "scope") ps.target = "";
    ps.msg = ""; ps.err = "";
    drawPolicies();
  });
});
document.getElementById("pol-confirm").addEventListener("click", assignPolicy);

// ---- the fleet view's region filter -------------------------------------------
// A control room over several districts narrows the fleet view to one
// (GET /api/v1/units?region=); the collector keeps a caller limited to a
// region inside it whatever is picked.

const fr = { regions: null, drawn: "" };

async function loadRegions() {
  try {
    const r = await fetch("/api/v1/regions", { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.ok) fr.regions = (await r.json()).regions || [];
  } catch (e) { /* the status line says the collector is unreachable */ }
  drawRegionFilter();
}

function drawRegionFilter() {
  const label = document.querySelector(".fleet-region");
  label.hidden = !fr.regions || !fr.regions.length;
  if (label.hidden) return;
  const key = JSON.stringify([lang, fr.regions, fleetRegion]);
  if (key === fr.drawn) return;
  fr.drawn = key;
  fillSelect("fleet-region", [["", t("polAll")], ...fr.regions.map(r => [r.id, r.name || r.id])], fleetRegion);
}

screens.push(slow => {
  if (me && (me.role === "monitor" || me.role === "tracer") && (slow && !fr.regions)) loadRegions();
  drawRegionFilter();
});
document.getElementById("fleet-region").addEventListener("change", ev => {
  fleetRegion = ev.target.value;
  pollNow();
});
