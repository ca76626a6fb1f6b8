// The household desk (一户一卡) of the entrance staff's page: look up a
// household's uses in its period across every lane, and, for the site
// manager signed in, reset it or grant extra uses with a reason. It uses
// gateway.js's session (window.kakouGateway, announced by "kakou-session").
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const zh = () => document.documentElement.lang !== "en";
  const t = (a, b) => (zh() ? a : b);
  const pad = (n) => String(n).padStart(2, "0");
  const when = (s) => { const d = new Date(s); return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`; };

  function show(h) {
    if (!h.allowance) {
      $("hh-status").textContent = t(`户 ${h.household}：本期无通行记录`, `Household ${h.household}: no uses this period`);
      return;
    }
    const left = Math.max(0, h.allowance - h.used);
    $("hh-status").textContent = t(`户 ${h.household}：本期已用 ${h.used}/${h.allowance} 次，剩余 ${left} 次`,
      `Household ${h.household}: ${h.used} of ${h.allowance} used, ${left} left`) +
      (h.next_at ? t(`，下次可于 ${when(h.next_at)} 后`, `; next after ${when(h.next_at)}`) : "");
  }

  async function call(path, body) {
    const g = window.kakouGateway || {};
    const init = body === undefined ? {} : { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": g.csrf || "" } };
    const resp = await fetch(path, init);
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || resp.status);
    return data;
  }

  const id = () => encodeURIComponent($("hh-id").value.trim());
  async function look() {
    try { show(await call(`/api/v1/households/${id()}`)); } catch (e) { $("hh-status").textContent = e.message; }
  }
  async function change(action) {
    const body = { action, reason: $("hh-reason").value.trim() };
    if (action === "adjust") body.delta = parseInt($("hh-delta").value || "1", 10);
    try {
      const r = await call(`/api/v1/households/${id()}/change`, body);
      show(r.household);
      $("hh-reason").value = "";
    } catch (e) { $("hh-status").textContent = e.message; }
  }
  document.addEventListener("kakou-session", () => { $("hh-change").hidden = !(window.kakouGateway || {}).manager; });
  $("hh-look").addEventListener("submit", (ev) => { ev.preventDefault(); look(); });
  $("hh-change").addEventListener("submit", (ev) => { ev.preventDefault(); change("adjust"); });
  $("hh-reset").addEventListener("click", () => change("reset"));
})();
