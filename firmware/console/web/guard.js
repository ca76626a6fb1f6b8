"use strict";
// The guard's sign-in, sign-out and who is on duty. console.js polls
// api/state into `state`; this script reads it, keeps the session's CSRF
// token in window.kakouCSRF (console.js's send() puts it in the
// X-CSRF-Token header of every change) and shows 无人值守 when nobody is
// signed in at the lane.
(() => {
  const G = {
    zh: { title: "值守人员登录", who: "值守人员", pin: "密码", submit: "登录", out: "退出登录", clear: "清除",
          unattended: "无人值守", pick: "请选择", onDuty: "值守" },
    en: { title: "Guard sign-in", who: "Guard", pin: "PIN", submit: "Sign in", out: "Sign out", clear: "Clear",
          unattended: "NO GUARD SIGNED IN", pick: "Choose", onDuty: "On duty" },
  };
  const $ = id => document.getElementById(id);
  const lang_ = () => (typeof lang !== "undefined" && lang === "en") ? "en" : "zh";
  const current = () => (typeof state !== "undefined" ? state : null);
  window.kakouCSRF = "";

  async function loadGuards() {
    try {
      const r = await fetch("api/guards", { cache: "no-store" });
      if (!r.ok) return;
      const list = await r.json();
      const sel = $("si-guard"), keep = sel.value;
      const first = document.createElement("option");
      first.value = ""; first.textContent = G[lang_()].pick;
      sel.replaceChildren(first, ...list.map(g => {
        const o = document.createElement("option");
        o.value = g.id; o.textContent = `${g.name} (${g.id})`; return o;
      }));
      if (keep) sel.value = keep;
    } catch (err) { /* the unit is restarting; the next render tries again */ }
  }

  function render() {
    const s = current(), t = G[lang_()];
    $("si-title").textContent = t.title; $("si-who").textContent = t.who; $("si-pin-label").textContent = t.pin;
    $("si-submit").textContent = t.submit; $("sign-out").textContent = t.out; $("pad-clear").textContent = t.clear;
    $("unattended").textContent = t.unattended;
    if (!s) return;
    window.kakouCSRF = s.csrf || "";
    const me = s.guard;
    $("guard-name").textContent = me ? me.name : s.on_duty ? `${t.onDuty}: ${s.on_duty.name}` : "";
    $("sign-out").classList.toggle("shown", !!me);
    $("sign-in").classList.toggle("shown", !me);
    $("unattended").classList.toggle("shown", !s.on_duty);
    document.body.classList.toggle("signed-out", !me);
    if (!me && $("si-guard").options.length <= 1) loadGuards();
  }

  for (const b of document.querySelectorAll(".pad [data-digit]"))
    b.onclick = () => { $("si-pin").value += b.dataset.digit; };
  $("pad-clear").onclick = () => { $("si-pin").value = ""; };
  $("pad-back").onclick = () => { $("si-pin").value = $("si-pin").value.slice(0, -1); };

  $("sign-in").onsubmit = async ev => {
    ev.preventDefault();
    $("si-error").textContent = "";
    const r = await fetch("api/sign-in", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ guard: $("si-guard").value, pin: $("si-pin").value }) });
    const body = await r.json().catch(() => ({}));
    $("si-pin").value = "";
    if (!r.ok) { $("si-error").textContent = (lang_() === "en" && body.error_en) || body.error || r.status; return; }
    window.kakouCSRF = body.csrf;
    if (typeof poll === "function") await poll();
    render();
  };
  $("sign-out").onclick = async () => {
    await fetch("api/sign-out", { method: "POST", headers: { "X-CSRF-Token": window.kakouCSRF } });
    window.kakouCSRF = "";
    if (typeof poll === "function") await poll();
    render();
  };
  loadGuards();
  render();
  setInterval(render, 300);
})();
