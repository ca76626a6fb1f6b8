"use strict";
// The ID card read at the lane (身份证): when a card holder's result is on
// screen and awaits the guard, the registration form is filled once with
// what the card gives — masked: the unit never sends the full number, and
// puts it back itself when the form returns with the masked one. The
// card's validity shows beside it, 已过期 in red.
const cardWords = {
  zh: { card: "身份证", valid: "有效", expired: "已过期", until: "有效期至", forever: "长期", address: "住址",
        health: "健康码（按身份证查询）", noHealth: "未能按身份证查询健康码，请人工核验" },
  en: { card: "ID card", valid: "valid", expired: "EXPIRED", until: "valid until", forever: "long-term", address: "address",
        health: "health code (by ID number)", noHealth: "health code not looked up by ID number; check by hand" },
};
const healthWords = {
  zh: { green: "绿码", yellow: "黄码", red: "红码", not_found: "查无此人", timeout: "查询超时", verify_failed: "核验失败", expired: "已过期" },
  en: { green: "green", yellow: "yellow", red: "red", not_found: "not found", timeout: "timed out", verify_failed: "failed", expired: "expired" },
};
let cardFilled = null;
window.kakouCard = f => {
  const box = document.getElementById("card-info");
  const c = f && f.card;
  if (!c) { box.hidden = true; box.replaceChildren(); return; }
  const w = cardWords[lang] || cardWords.zh;
  const expired = f.entry.credential.result === "expired";
  const status = document.createElement("b");
  status.id = "card-status";
  status.className = expired ? "expired" : "valid";
  status.textContent = expired ? w.expired : w.valid;
  const until = c.valid_until === "长期" ? w.forever : c.valid_until;
  const line = document.createElement("div");
  line.textContent = `${w.card}：${c.name} ${c.sex} · ${c.id} · ${w.address} ${c.address} · ${w.until} ${until} · `;
  line.append(status);
  const health = document.createElement("div");
  health.id = "card-health";
  const hw = healthWords[lang] || healthWords.zh;
  health.textContent = c.health ? `${w.health}：${hw[c.health] || c.health}` : w.noHealth;
  box.replaceChildren(line, health);
  box.hidden = false;
  if (!f.open || cardFilled === f.entry.id) return;
  cardFilled = f.entry.id;
  document.getElementById("reg-name").value = c.name;
  document.getElementById("reg-id-kind").value = "resident";
  document.getElementById("reg-id").value = c.id;
};
