// The entrance staff's page: polls the gateway's API every second and
// lets a signed-in site manager correct the count. Every change sends
// the session's CSRF token in X-CSRF-Token (gateway/web auth.go).
"use strict";
(function () {
  let lang = localStorage.getItem("kakou-gw-lang") || "zh";
  let csrf = "";
  const $ = (id) => document.getElementById(id);
  const t = (zh, en) => (lang === "zh" ? zh : en);

  function applyLang() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-zh]").forEach((el) => { el.textContent = el.dataset[lang]; });
    $("lang").textContent = lang === "zh" ? "English" : "中文";
  }

  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    };
    const resp = await fetch(path, init);
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || resp.status);
    return data;
  }

  function say(text, bad) {
    $("message").textContent = text;
    $("message").className = bad ? "bad" : "";
  }

  function cell(tr, text) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  }

  function roleText(r) {
    return { in: t("入口", "entrance"), out: t("出口", "exit"), both: t("进出", "both ways") }[r] || r;
  }

  function showCount(o) {
    $("site").textContent = o.site;
    $("inside").textContent = o.occupancy;
    $("capacity").textContent = o.capacity > 0 ? o.capacity : t("不限", "no cap");
    const full = o.capacity > 0 && o.occupancy >= o.capacity;
    const near = o.capacity > 0 && !full && o.occupancy >= o.capacity * 0.9;
    $("count").className = "card" + (full ? " full" : near ? " near" : "");
    $("state").textContent = full ? t("已满，请等候", "Full: please wait") : t("可以进入", "Open");
    $("waiting").textContent = o.waiting > 0 ? t(o.waiting + " 个入口有人等候", o.waiting + " entrance(s) holding people") : "";
  }

  function showLanes(lanes) {
    const body = $("lanes").tBodies[0];
    body.replaceChildren();
    for (const l of lanes) {
      const tr = document.createElement("tr");
      cell(tr, l.unit);
      cell(tr, roleText(l.role));
      cell(tr, l.role === "out" ? "" : l.waiting ? t("等候中", "holding") : t("放行中", "admitting") + " (" + l.granted + ")");
      body.appendChild(tr);
    }
  }

  function showCorrections(list) {
    const body = $("corrections").tBodies[0];
    body.replaceChildren();
    for (const c of list) {
      const tr = document.createElement("tr");
      cell(tr, new Date(c.at).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false }));
      cell(tr, c.previous + " → " + c.count);
      cell(tr, c.by);
      cell(tr, c.reason);
      body.appendChild(tr);
    }
  }

  async function refresh() {
    try {
      const [o, lanes, list] = await Promise.all([api("/api/v1/occupancy"), api("/api/v1/lanes"),
        api("/api/v1/occupancy/corrections?limit=5")]);
      showCount(o);
      showLanes(lanes);
      showCorrections(list);
    } catch (e) {
      say(t("无法连接网关：", "Cannot reach the gateway: ") + e.message, true);
    }
  }

  function showSession(s) {
    csrf = s.csrf || "";
    $("signin").hidden = !!s.manager;
    $("who").hidden = !s.manager;
    $("correct").hidden = !s.manager;
    // household.js (the household desk) changes under the same session.
    window.kakouGateway = { csrf, manager: !!s.manager, lang };
    document.dispatchEvent(new Event("kakou-session"));
    $("whoname").textContent = s.manager ? t("已登录：", "Signed in: ") + s.name : "";
  }

  async function loadManagers() {
    const list = await api("/api/v1/managers");
    const sel = $("manager");
    sel.replaceChildren();
    for (const m of list) {
      const o = document.createElement("option");
      o.value = m.id;
      o.textContent = m.name;
      sel.appendChild(o);
    }
  }

  $("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("kakou-gw-lang", lang);
    applyLang();
    refresh();
  });
  $("signin").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      showSession(await api("/api/v1/sign-in", { manager: $("manager").value, pin: $("pin").value }));
      say(t("已登录", "Signed in"));
    } catch (e) {
      say(e.message, true);
    }
    $("pin").value = "";
  });
  $("signout").addEventListener("click", async () => {
    try { await api("/api/v1/sign-out", {}); } catch (e) { /* the session is gone either way */ }
    showSession({});
  });
  $("correct").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await api("/api/v1/occupancy/correct", { count: Number($("newcount").value), reason: $("reason").value });
      say(t("已更正为 ", "Corrected to ") + r.correction.count);
      $("reason").value = "";
      refresh();
    } catch (e) {
      say(e.message, true);
    }
  });

  applyLang();
  loadManagers().catch(() => {});
  api("/api/v1/session").then(showSession).catch(() => showSession({}));
  refresh();
  setInterval(refresh, 1000);
})();
