"use strict";
// The login page: posts the form with fetch so a refusal is shown in place
// (wrong password 401, too many tries 429 with the wait), then opens the
// dashboard. Text from the server is set with textContent only.

const T = {
  zh: { title: "卡口 · 指挥中心", heading: "登录", user: "用户名", password: "密码", submit: "登录",
        bad: "用户名或密码错误", locked: s => "失败次数过多，请 " + Math.ceil(s / 60) + " 分钟后再试",
        offline: "无法连接服务器，请重试", failed: "登录失败" },
  en: { title: "Kakou · Command centre", heading: "Log in", user: "User name", password: "Password",
        submit: "Log in", bad: "Wrong user name or password",
        locked: s => "Too many failed attempts; try again in " + Math.ceil(s / 60) + " min",
        offline: "Cannot reach the collector; try again", failed: "Login failed" },
};
// The same choice of language as the dashboard's (?lang= or the last one).
const pinned = new URLSearchParams(location.search).get("lang");
let lang = (pinned || localStorage.getItem("kakou-lang")) === "en" ? "en" : "zh";

function render() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-t]").forEach(n => { n.textContent = T[lang][n.dataset.t]; });
  document.getElementById("lang").textContent = lang === "zh" ? "EN" : "中文";
  document.title = T[lang].title;
}

function say(text) {
  const p = document.getElementById("login-error");
  p.textContent = text;
  p.hidden = !text;
}

async function submit(ev) {
  ev.preventDefault();
  const form = ev.target, button = document.getElementById("login-submit");
  button.disabled = true;
  say("");
  try {
    const r = await fetch("/login", { method: "POST", body: new URLSearchParams(new FormData(form)),
                                      signal: AbortSignal.timeout(15000) });
    if (r.ok) { location.assign("/"); return; }
    const wait = Number(r.headers.get("Retry-After")) || 60;
    say(r.status === 401 ? T[lang].bad : r.status === 429 ? T[lang].locked(wait) : T[lang].failed + " (" + r.status + ")");
    document.getElementById("password").value = "";
  } catch (err) {
    say(T[lang].offline);
  } finally {
    button.disabled = false;
  }
}

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("kakou-lang", lang);
  render();
  say("");
});
document.getElementById("login-form").addEventListener("submit", submit);
render();
document.getElementById("user").focus();
