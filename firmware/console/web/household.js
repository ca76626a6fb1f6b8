"use strict";
// One pass per household (一户一卡): under the result of a household pass,
// the household's uses left in the period and, when none are left, when
// the next one is allowed; and the property office's form to reset a
// household's count or grant it extra uses (a signed-in guard, a reason).
// Kept apart from console.js, which calls kakouHousehold(entry) each time
// it draws the result.
(() => {
  const T = {
    zh: { left: (id, n, of) => `一户一卡 ${id}：本期剩余 ${n}/${of} 次`, next: w => `，下次可于 ${w} 后`,
          counted: "（本次已计）", title: "一户一卡调整（物业）", hh: "户号", reset: "清零本期次数",
          grant: "增加次数", delta: "次数", reason: "原因", done: "已记录" },
    en: { left: (id, n, of) => `Household ${id}: ${n} of ${of} left this period`, next: w => `; next after ${w}`,
          counted: " (this one counted)", title: "Household pass adjustment (property office)", hh: "Household",
          reset: "Reset this period", grant: "Grant uses", delta: "Uses", reason: "Reason", done: "Recorded" },
  };
  const $ = id => document.getElementById(id);
  const t = () => T[document.documentElement.lang === "en" ? "en" : "zh"];
  const pad = n => String(n).padStart(2, "0");
  // The guard reads the next time as the refusal says it: month-day hour:minute, local.
  const when = s => { const d = new Date(s); return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`; };

  window.kakouHousehold = function (e) {
    const s = t(), out = $("household"), h = e && e.household;
    out.className = h && h.remaining === 0 ? "spent" : "";
    out.dataset.remaining = h ? h.remaining : "";
    out.textContent = h ? s.left(h.id, h.remaining, h.allowance) + (h.counted ? s.counted : "") +
      (h.remaining === 0 && h.next_at ? s.next(when(h.next_at)) : "") : "";
    $("hh-title").textContent = s.title; $("hh-id").placeholder = s.hh; $("hh-delta").placeholder = s.delta;
    $("hh-reason").placeholder = s.reason; $("hh-reset").textContent = s.reset; $("hh-grant").textContent = s.grant;
    if (h && !$("hh-id").value) $("hh-id").value = h.id;
  };

  async function change(action) {
    const body = { household: $("hh-id").value.trim(), action, reason: $("hh-reason").value.trim() };
    if (action === "adjust") body.delta = parseInt($("hh-delta").value || "1", 10);
    const r = await fetch("api/household", { method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": window.kakouCSRF || "" }, body: JSON.stringify(body) });
    const b = await r.json().catch(() => ({}));
    const en = document.documentElement.lang === "en";
    $("hh-error").textContent = r.ok ? t().done : (en ? b.error_en : b.error) || b.error || "";
    if (r.ok) $("hh-reason").value = "";
  }
  $("hh-reset").addEventListener("click", () => change("reset"));
  $("hh-grant").addEventListener("click", () => change("adjust"));
})();
