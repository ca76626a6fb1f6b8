"use strict";
// The trust screen: the centre's trust list every unit checks passes and
// codes with (cloud/README.md "The trust list"): how many issuer keys, health
// keys, revoked passes and DCC signers it holds, the version the units are
// sent, the latest revocations with who, when and why, and — for central
// monitoring — revoking a lost pass with its reason. It runs after
// dashboard.js and uses its helpers (t, el, row, emptyRow, short, clock,
// changeHeaders, toLogin) and state (me, lang).

Object.assign(T.zh, {
  trust: "出入证注销与信任名单", trustVersion: v => "名单版本 " + v, trustIssuers: "发证机关密钥",
  trustHealth: "健康码签发密钥", trustRevokedN: "已注销出入证", trustDCC: "欧盟健康证书签发证书",
  trustPass: "出入证号", trustReason: "原因", trustWhen: "注销时间", trustBy: "操作人", trustAt: "版本",
  trustRevoke: "注销出入证", trustDoRevoke: "注销", trustReasonHint: "如：丢失、离职、退租",
  trustNone: "暂无注销的出入证", trustRevoked: p => "已注销 " + p + "，各卡口连网后即拒绝此证",
  trustAgain: p => p + " 此前已注销", trustBad: "出入证号只能是字母、数字和 -（最多 32 位）",
  trustForbidden: "只有中心监控可以注销出入证", trustFailed: "服务器出错，请重试",
  trustLoadFailed: "无法获取信任名单，显示的是旧数据",
});
Object.assign(T.en, {
  trust: "Revoked passes and trust list", trustVersion: v => "list version " + v, trustIssuers: "Pass issuer keys",
  trustHealth: "Health code keys", trustRevokedN: "Revoked passes", trustDCC: "EU DCC signers",
  trustPass: "Pass", trustReason: "Reason", trustWhen: "Revoked", trustBy: "By", trustAt: "Version",
  trustRevoke: "Revoke a pass", trustDoRevoke: "Revoke", trustReasonHint: "lost, left, moved out…",
  trustNone: "No pass is revoked", trustRevoked: p => "Revoked " + p + "; every gate refuses it once online",
  trustAgain: p => p + " was revoked already", trustBad: "A pass id is letters, digits and - (at most 32)",
  trustForbidden: "Only central monitoring revokes passes", trustFailed: "The collector failed; try again",
  trustLoadFailed: "Cannot fetch the trust list just now; what is shown is old",
});

const TRUST_READERS = ["monitor", "tracer"];
// tst is the screen's state: the list as last fetched, the message and
// error to show, and what is drawn.
const tst = { list: null, msg: "", err: "", busy: false, drawn: "" };

function mayReadTrust() { return !!me && TRUST_READERS.includes(me.role); }
function mayRevoke() { return !!me && me.role === "monitor" && !me.region; }

async function loadTrust() {
  try {
    const r = await fetch("/api/v1/trust", { cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) toLogin();
    if (r.status === 404) { tst.list = { off: true }; drawTrust(); return; }
    if (!r.ok) { tst.err = "trustLoadFailed"; drawTrust(); return; }
    tst.list = await r.json();
    if (tst.err === "trustLoadFailed") tst.err = "";
  } catch (e) { tst.err = "trustLoadFailed"; }
  drawTrust();
}

async function revokeTrustPass(pass, reason) {
  if (tst.busy) return;
  tst.err = ""; tst.msg = "";
  if (!/^[A-Za-z0-9-]{1,32}$/.test(pass)) { tst.err = "trustBad"; drawTrust(); return; }
  tst.busy = true;
  try {
    const r = await fetch("/api/v1/trust/revoke", { method: "POST", headers: changeHeaders(),
      body: JSON.stringify({ pass, reason }), signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.status === 401) toLogin();
    if (r.status === 403) tst.err = "trustForbidden";
    else if (!r.ok) tst.err = "trustFailed";
    else {
      const a = await r.json();
      tst.msg = t(a.changed ? "trustRevoked" : "trustAgain")(pass);
      document.getElementById("trust-pass").value = "";
      document.getElementById("trust-reason").value = "";
    }
  } catch (e) { tst.err = "trustFailed"; }
  tst.busy = false;
  await loadTrust();
}

function trustRow(rv) {
  const when = el("td", short(rv.revoked_at));
  when.title = clock(rv.revoked_at);
  const tr = row([el("td", rv.pass), el("td", rv.reason || "—", "wide"), when, el("td", rv.revoked_by), el("td", String(rv.version))]);
  tr.dataset.pass = rv.pass;
  return tr;
}

function drawTrust() {
  const section = document.getElementById("trust");
  section.hidden = !mayReadTrust() || !!(tst.list && tst.list.off);
  if (section.hidden) return;
  document.getElementById("trust-reason").placeholder = t("trustReasonHint");
  document.getElementById("trust-revoke").hidden = !mayRevoke();
  const err = document.getElementById("trust-error");
  err.hidden = !tst.err;
  err.textContent = tst.err ? t(tst.err) : "";
  document.getElementById("trust-done").textContent = tst.msg;
  const key = JSON.stringify([lang, tst.list, tst.busy]);
  if (key === tst.drawn) return;
  tst.drawn = key;
  const l = tst.list || { counts: {}, revoked: [], version: 0 };
  const c = l.counts || {};
  document.getElementById("trust-counts").textContent = [t("trustVersion")(l.version || 0),
    t("trustIssuers") + " " + (c.issuers || 0), t("trustHealth") + " " + (c.health_issuers || 0),
    t("trustRevokedN") + " " + (c.revoked || 0), t("trustDCC") + " " + (c.dcc_signers || 0)].join(" · ");
  document.getElementById("trust-submit").disabled = tst.busy;
  const list = l.revoked || [];
  document.getElementById("trust-rows").replaceChildren(...(list.length ? list.map(trustRow) : [emptyRow(5, "trustNone")]));
}

screens.push(slow => {
  if (!mayReadTrust()) { drawTrust(); return; }
  if ((slow || tst.list === null) && !tst.busy) loadTrust();
  drawTrust();
});
document.getElementById("trust-revoke").addEventListener("submit", ev => {
  ev.preventDefault();
  revokeTrustPass(document.getElementById("trust-pass").value.trim(), document.getElementById("trust-reason").value.trim());
});
