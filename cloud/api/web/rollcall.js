"use strict";
// The roll call (晨午晚检): per site with a staff roster, the current
// round's checked and unchecked counts, the unchecked by masked name and
// class, and any fever at roll call. It runs after dashboard.js and uses
// its helpers (t, el, siteName, unitName, getJSON) and state (me, lang,
// screens); the collector scopes what it returns (api/staff.go).

Object.assign(T.zh, {
  rollcall: "晨午晚检", rcNone: "暂无点位上报检查名单", rcRound: (r, c, n) => r + "：已检 " + c + " / " + n,
  rcClosed: r => r + "（已结束）", rcNoRound: "尚无检查时段", rcUnchecked: "未检", rcFever: "体温异常",
  rcAllDone: "全部已检",
});
Object.assign(T.en, {
  rollcall: "Roll call", rcNone: "No site has a staff roster yet", rcRound: (r, c, n) => r + ": checked " + c + " of " + n,
  rcClosed: r => r + " (ended)", rcNoRound: "No round yet", rcUnchecked: "Not yet checked", rcFever: "Fever",
  rcAllDone: "Everyone checked",
});

let rollcalls = null;

function drawRollCall() {
  const list = document.getElementById("rollcall-sites");
  if (!list) return;
  if (!rollcalls || !rollcalls.length) { list.replaceChildren(el("li", t("rcNone"), "empty")); return; }
  list.replaceChildren(...rollcalls.map(s => {
    const li = el("li");
    li.dataset.site = s.site;
    const round = !s.round ? t("rcNoRound") : s.open ? t("rcRound")(s.round, s.checked, s.total) : t("rcClosed")(t("rcRound")(s.round, s.checked, s.total));
    li.append(el("strong", siteName(s.site)), " " + round);
    if (s.round && s.unchecked.length) {
      const names = s.unchecked.map(p => p.name + (p.class ? "（" + p.class + "）" : "")).join(lang === "zh" ? "、" : ", ");
      li.append(" · ", el("span", t("rcUnchecked") + " " + s.unchecked.length + ": " + names, "unchecked"));
    } else if (s.round) {
      li.append(" · ", el("span", t("rcAllDone")));
    }
    if (s.fevers.length) {
      li.append(" · ", el("span", t("rcFever") + ": " + s.fevers.map(p => p.name + " " + p.temp_c + " °C (" + unitName(s.site, p.unit) + ")").join(", "), "missed"));
    }
    return li;
  }));
}

// Loaded with the page's slow polls once who is logged in is known; a
// guard sees no roll call here (their console has its own).
screens.push(slow => {
  drawRollCall();
  if (!me || me.role === "guard" || !(slow || rollcalls === null)) return;
  getJSON("/api/v1/rollcall").then(b => { rollcalls = b.sites || []; drawRollCall(); }, () => {});
});
