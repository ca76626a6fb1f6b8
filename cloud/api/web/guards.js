"use strict";
// The guard screen: the guards who sign in at a site's consoles, for central
// monitoring and the site's manager (cloud/README.md "Guards"). It runs after
// dashboard.js and uses its helpers (t, el, row, short, clock, siteName,
// changeHeaders, toLogin) and state (me, data, lang). The collector refuses
// anyone else (guards.go); hiding the section only spares them a dead form.
// A PIN is never shown except the one the collector generated just now.

Object.assign(T.zh, {
  guards: "门岗人员", guardId: "编号", guardChanged: "最后修改", guardAdd: "新增门岗",
  guardPin: "PIN（留空则自动生成）", guardAddSubmit: "新增", guardEnabled: "在岗可用", guardDisabled: "已停用",
  guardDisable: "停用", guardEnable: "启用", guardReset: "重置 PIN", guardNone: "该点位暂无门岗",
  guardBy: (at, by) => at + " · " + by, guardNewPin: "新 PIN（留空则自动生成）",
  guardConfirmDisable: g => "停用 " + g + "：此人将无法签到，并在本点位所有值守台上被立即签退。",
  guardConfirmReset: g => "重置 " + g + " 的 PIN：旧 PIN 立即失效，此人将在本点位所有值守台上被立即签退。",
  guardDoDisable: "确认停用", guardDoReset: "确认重置", guardCancel: "取消",
  guardPinFor: g => g + " 的 PIN：", guardPinOnce: "仅此一次显示，关闭后无法再查看。请当面交给本人，不要拍照或转发。",
  guardPinDone: "已交给本人，关闭",
  guardAdded: g => "已新增 " + g, guardDisabledNow: g => "已停用 " + g, guardEnabledNow: g => "已启用 " + g,
  guardResetNow: g => "已重置 " + g + " 的 PIN", guardNotPushed: "已保存；部分设备尚未收到，系统会自动重发",
  guardBadId: "编号只能用小写字母、数字、- 和 _（最多 64 个）", guardBadName: "姓名为 1 到 32 个字",
  guardBadShape: "编号只能用小写字母、数字、- 和 _，姓名为 1 到 32 个字",
  guardBadPin: "PIN 为 4 到 32 位（值守台键盘上数字最方便），首尾不能有空格",
  guardExists: id => "编号 " + id + " 已存在：请换一个编号，或在列表中管理此人",
  guardForbidden: "您无权管理该点位的门岗", guardStale: "登录信息已过期，请刷新页面后重试",
  guardMissing: "找不到该门岗，列表已刷新", guardOff: "本服务器未开启门岗管理",
  guardFailed: "服务器出错，未保存，请重试", guardOffline: "无法连接服务器，未保存，请重试",
  guardLoadFailed: "无法获取门岗名单，显示的是旧数据",
});
Object.assign(T.en, {
  guards: "Guards", guardId: "ID", guardChanged: "Last change", guardAdd: "Add a guard",
  guardPin: "PIN (leave empty to generate one)", guardAddSubmit: "Add", guardEnabled: "enabled", guardDisabled: "disabled",
  guardDisable: "Disable", guardEnable: "Enable", guardReset: "Reset PIN", guardNone: "No guards at this site yet",
  guardBy: (at, by) => at + " · " + by, guardNewPin: "New PIN (leave empty to generate one)",
  guardConfirmDisable: g => "Disable " + g + ": they cannot sign in, and are signed out at once at every console of the site.",
  guardConfirmReset: g => "Reset " + g + "'s PIN: the old PIN stops working, and they are signed out at once at every console of the site.",
  guardDoDisable: "Disable now", guardDoReset: "Reset now", guardCancel: "Cancel",
  guardPinFor: g => "PIN for " + g + ": ", guardPinOnce: "Shown this once only; it cannot be seen again after you close it. Give it to them in person; do not photograph or forward it.",
  guardPinDone: "Handed over, close",
  guardAdded: g => "Added " + g, guardDisabledNow: g => "Disabled " + g, guardEnabledNow: g => "Enabled " + g,
  guardResetNow: g => "Reset " + g + "'s PIN", guardNotPushed: "Saved; some units have not received it yet and it will be sent again",
  guardBadId: "An ID uses only a-z, 0-9, - and _ (at most 64)", guardBadName: "A name is 1 to 32 characters",
  guardBadShape: "An ID uses only a-z, 0-9, - and _, and a name is 1 to 32 characters",
  guardBadPin: "A PIN is 4 to 32 characters (digits are easiest on the console's pad), without spaces at either end",
  guardExists: id => "ID " + id + " is taken: choose another, or manage that guard in the list",
  guardForbidden: "You may not manage this site's guards", guardStale: "Your login is out of date; reload the page and try again",
  guardMissing: "No such guard; the list has been refreshed", guardOff: "Guard management is off in this collector",
  guardFailed: "The collector failed; not saved, try again", guardOffline: "Cannot reach the collector; not saved, try again",
  guardLoadFailed: "Cannot fetch the guards just now; the list shown is old",
});

const GUARD_ROLES = ["monitor", "site_manager"];
// gs is the screen's state: the site picked and its guards, the action
// waiting for confirmation, a generated PIN until it is dismissed, and
// what is drawn, so a poll redraws nothing an operator is clicking.
const gs = { site: "", sites: "", guards: null, pending: null, pin: null, msg: "", err: "", errDetail: "",
             busy: false, drawn: "", off: false };

function guardPath(site, id, action) {
  let p = "/api/v1/sites/" + encodeURIComponent(site) + "/guards";
  if (id) p += "/" + encodeURIComponent(id) + "/" + action;
  return p;
}
function guardLabel(g) { return g.name + "（" + g.id + "）"; }
function mayManageGuards() { return !!me && GUARD_ROLES.includes(me.role); }

// guardSites are the sites the caller sees: a site manager's own, and
// every site of the fleet and the site list for monitoring.
function guardSites() {
  if (me.role === "site_manager") return me.site ? [me.site] : [];
  return [...new Set([...data.units.map(u => u.site), ...data.occupancy.map(o => o.site)])].sort();
}

// guardError turns a refusal into the page's language; the collector's own
// words go in the tooltip for whoever debugs it.
async function guardError(r) {
  let detail = "";
  try { detail = (await r.json()).error || ""; } catch (e) { /* not JSON */ }
  if (r.status === 401) toLogin();
  const key = r.status === 400 ? (/pin/i.test(detail) ? "guardBadPin" : "guardBadShape")
    : r.status === 403 ? (/X-CSRF-Token|origin/i.test(detail) ? "guardStale" : "guardForbidden")
    : r.status === 404 ? (gs.guards ? "guardMissing" : "guardOff") : "guardFailed";
  return { key, detail: detail || "HTTP " + r.status };
}

async function loadGuards() {
  const site = gs.site;
  if (!site) return;
  try {
    const r = await fetch(guardPath(site), { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (site !== gs.site) return; // the operator picked another site meanwhile
    if (r.status === 404 && !gs.guards) { gs.off = true; drawGuards(); return; }
    if (!r.ok) { const e = await guardError(r); showGuardError("guardLoadFailed", e.detail); return; }
    gs.guards = (await r.json()).guards || [];
    if (gs.err === "guardLoadFailed") gs.err = "";
  } catch (e) {
    if (site === gs.site) showGuardError("guardLoadFailed", String(e));
  }
  drawGuards();
}

// change sends one change; it shows a generated PIN once, and the outcome.
async function changeGuard(path, body, done) {
  if (gs.busy) return; // a double click sends one change
  gs.busy = true; gs.err = ""; gs.msg = "";
  drawGuards();
  try {
    const r = await fetch(path, { method: "POST", headers: changeHeaders(), body: JSON.stringify(body),
                                  signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!r.ok) {
      const e = await guardError(r);
      showGuardError(e.key, e.detail);
      if (r.status === 404) gs.pending = null;
      return;
    }
    const out = await r.json();
    gs.pending = null;
    if (out.pin) gs.pin = { who: guardLabel(out.guard), pin: out.pin };
    gs.msg = t(done)(guardLabel(out.guard)) + (out.pushed === false ? " · " + t("guardNotPushed") : "");
    return out;
  } catch (e) {
    showGuardError("guardOffline", String(e));
  } finally {
    gs.busy = false;
    await loadGuards();
  }
}

function showGuardError(key, detail) { gs.err = key; gs.errDetail = detail; drawGuards(); }

// pinOK is the collector's rule (wire.CheckPINShape); "" asks for one.
function pinOK(pin) {
  const n = [...pin].length;
  return pin === "" || (n >= 4 && n <= 32 && pin.trim() === pin);
}

function addGuard(ev) {
  ev.preventDefault();
  const id = document.getElementById("guard-new-id").value.trim();
  const name = document.getElementById("guard-new-name").value.trim();
  const pin = document.getElementById("guard-new-pin").value;
  // The collector's add also renames a guard whose id exists: refuse that
  // here, so a typo in the id does not rename someone else.
  const bad = !/^[a-z0-9_-]{1,64}$/.test(id) ? "guardBadId" : [...name].length < 1 || [...name].length > 32
    ? "guardBadName" : !pinOK(pin) ? "guardBadPin" : null;
  if (bad) { showGuardError(bad, ""); return; }
  if ((gs.guards || []).some(g => g.id === id)) { gs.err = "guardExists"; gs.errDetail = id; drawGuards(); return; }
  const body = pin ? { id, name, pin } : { id, name };
  changeGuard(guardPath(gs.site), body, "guardAdded").then(out => {
    if (out) document.getElementById("guard-add").reset();
  });
}

// ---- drawing ----------------------------------------------------------------

function guardRow(g) {
  const state = el("td");
  state.append(el("span", t(g.disabled ? "guardDisabled" : "guardEnabled"), "pill " + (g.disabled ? "grey" : "allow")));
  const when = el("td", t("guardBy")(short(g.updated_at), g.updated_by), "wide");
  when.title = clock(g.updated_at);
  const acts = el("td", null, "guard-acts");
  const toggle = el("button", t(g.disabled ? "guardEnable" : "guardDisable"), g.disabled ? "guard-enable" : "guard-disable");
  toggle.type = "button";
  toggle.addEventListener("click", () => {
    if (g.disabled) changeGuard(guardPath(gs.site, g.id, "enable"), {}, "guardEnabledNow");
    else { gs.pending = { kind: "disable", guard: g }; gs.err = ""; drawGuards(); }
  });
  const reset = el("button", t("guardReset"), "guard-reset");
  reset.type = "button";
  reset.addEventListener("click", () => { gs.pending = { kind: "reset", guard: g }; gs.err = ""; drawGuards(); });
  acts.append(toggle, reset);
  const tr = row([el("td", g.id, "guard-id"), el("td", g.name), state, when, acts]);
  tr.dataset.guard = g.id;
  return tr;
}

// drawConfirm asks before a change that signs a guard out at the gate.
function drawConfirm(box) {
  const p = gs.pending;
  box.hidden = !p;
  if (!p) { box.replaceChildren(); return; }
  const who = guardLabel(p.guard);
  const parts = [el("p", t(p.kind === "reset" ? "guardConfirmReset" : "guardConfirmDisable")(who))];
  let pin = null;
  if (p.kind === "reset") {
    const old = box.querySelector("#guard-reset-pin"); // keep what is typed across redraws
    pin = el("input");
    pin.id = "guard-reset-pin"; pin.maxLength = 32; pin.autocomplete = "new-password"; pin.inputMode = "numeric";
    if (old) pin.value = old.value;
    const label = el("label", null);
    label.append(el("span", t("guardNewPin")), pin);
    parts.push(label);
  }
  const go = el("button", t(p.kind === "reset" ? "guardDoReset" : "guardDoDisable"), "guard-go");
  go.type = "button";
  go.disabled = gs.busy;
  go.addEventListener("click", () => {
    if (p.kind === "disable") { changeGuard(guardPath(gs.site, p.guard.id, "disable"), {}, "guardDisabledNow"); return; }
    const v = pin.value;
    if (!pinOK(v)) { showGuardError("guardBadPin", ""); return; }
    changeGuard(guardPath(gs.site, p.guard.id, "reset-pin"), v ? { pin: v } : {}, "guardResetNow");
  });
  const cancel = el("button", t("guardCancel"), "guard-cancel");
  cancel.type = "button";
  cancel.addEventListener("click", () => { gs.pending = null; drawGuards(); });
  const buttons = el("div", null, "guard-buttons");
  buttons.append(go, cancel);
  parts.push(buttons);
  box.replaceChildren(...parts);
}

// drawPin shows a generated PIN until the operator closes it; it is kept
// nowhere else, and a reload loses it.
function drawPin(box) {
  box.hidden = !gs.pin;
  if (!gs.pin) { box.replaceChildren(); return; }
  const close = el("button", t("guardPinDone"), "guard-pin-done");
  close.type = "button";
  close.addEventListener("click", () => { gs.pin = null; drawGuards(); });
  const head = el("p", t("guardPinFor")(gs.pin.who));
  head.append(el("strong", gs.pin.pin, "pin-value"));
  box.replaceChildren(head, el("p", t("guardPinOnce"), "pin-note"), close);
}

function drawSites() {
  const sites = guardSites();
  const key = lang + "|" + sites.join(",");
  if (!sites.includes(gs.site)) { gs.site = sites[0] || ""; gs.guards = null; gs.pending = null; loadGuards(); }
  if (key === gs.sites) return; // rebuilding an open <select> would close it
  gs.sites = key;
  const pick = document.getElementById("guard-site");
  pick.replaceChildren(...sites.map(s => { const o = el("option", siteName(s)); o.value = s; return o; }));
  pick.value = gs.site;
}

// drawGuards draws what changed since the last drawing.
function drawGuards() {
  const section = document.getElementById("guards");
  section.hidden = !mayManageGuards() || gs.off;
  if (section.hidden) return;
  const err = document.getElementById("guard-error");
  err.hidden = !gs.err;
  err.textContent = !gs.err ? "" : gs.err === "guardExists" ? t("guardExists")(gs.errDetail) : t(gs.err);
  err.title = gs.errDetail;
  document.getElementById("guard-done").textContent = gs.msg;
  document.getElementById("guard-add").hidden = !gs.site;
  document.getElementById("guard-add-submit").disabled = gs.busy;
  const key = JSON.stringify([lang, gs.site, gs.guards, gs.pending, gs.pin, gs.busy]);
  if (key === gs.drawn) return;
  gs.drawn = key;
  drawConfirm(document.getElementById("guard-confirm"));
  drawPin(document.getElementById("guard-pin"));
  const list = gs.guards || [];
  document.getElementById("guard-rows").replaceChildren(...(list.length ? list.map(guardRow)
    : [emptyRow(5, gs.site ? "guardNone" : "noSites")]));
  document.querySelectorAll("#guard-rows button").forEach(b => { b.disabled = gs.busy; });
}

screens.push(slow => {
  if (!mayManageGuards()) { drawGuards(); return; }
  drawSites();
  if (slow && !gs.busy) loadGuards(); // another operator's changes, every 10 s
  drawGuards();
});
document.getElementById("guard-site").addEventListener("change", ev => {
  // A generated PIN stays on screen until it is dismissed, whatever site is picked.
  Object.assign(gs, { site: ev.target.value, guards: null, pending: null, msg: "", err: "" });
  drawGuards();
  loadGuards();
});
document.getElementById("guard-add").addEventListener("submit", addGuard);
