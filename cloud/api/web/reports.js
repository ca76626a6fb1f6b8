"use strict";
// The reports screen: each named report (cloud/README.md "Reports") with
// its cut, the period it serves now, its files, and — for central
// monitoring, whose recipients they are — whether the latest was delivered.
// It runs after dashboard.js and uses its helpers (t, el, row, emptyRow,
// clock, getJSON) and state (me, lang, screens). A guard sees no reports.

Object.assign(T.zh, {
  reports: "报告与报送", reportTitle: "报告", reportCut: "截止时间", reportLatest: "最近一期",
  reportFiles: "下载", reportDelivery: "报送情况", reportNone: "未配置报告",
  deliveredTo: r => "已送达 " + r, failedTo: (r, n) => r + " 未送达（已尝试 " + n + " 次，将自动重试）",
  notSentYet: "尚未报送", noRecipients: "—", dailyTitle: "日报",
});
Object.assign(T.en, {
  reports: "Reports and delivery", reportTitle: "Report", reportCut: "Cut", reportLatest: "Latest period",
  reportFiles: "Download", reportDelivery: "Delivery", reportNone: "No reports configured",
  deliveredTo: r => "delivered to " + r, failedTo: (r, n) => r + " not reached (" + n + " attempts; retrying)",
  notSentYet: "not sent yet", noRecipients: "—", dailyTitle: "Daily report",
});

// rs is the screen's state: the reports, and the latest deliveries of each.
const rs = { list: null, deliveries: {}, drawn: "" };

function mayReadReports() { return !me || me.role !== "guard"; }
function mayReadDeliveries() { return !me || me.role === "monitor"; }

async function loadReports() {
  try {
    rs.list = (await getJSON("/api/v1/reports")).reports || [];
    errors.reports = null;
  } catch (err) { errors.reports = String(err); return; }
  if (!mayReadDeliveries()) return;
  await Promise.all(rs.list.map(async r => {
    try {
      const b = await getJSON("/api/v1/reports/" + encodeURIComponent(r.id) + "/deliveries?limit=50&date=" + r.latest.date);
      rs.deliveries[r.id] = b.deliveries || [];
    } catch (err) { /* the column shows what it had */ }
  }));
}

// deliveryText says, per recipient, whether the latest period reached it.
function deliveryText(id) {
  const log = rs.deliveries[id];
  if (!log) return t("noRecipients");
  if (!log.length) return t("notSentYet");
  const by = new Map(); // newest first: the first row of a recipient is its latest attempt
  log.forEach(d => { if (!by.has(d.recipient)) by.set(d.recipient, { ok: false, n: 0 }); const s = by.get(d.recipient); s.ok = s.ok || d.ok; s.n = Math.max(s.n, d.attempt); });
  return [...by].map(([r, s]) => s.ok ? t("deliveredTo")(r) : t("failedTo")(r, s.n)).join(lang === "zh" ? "；" : "; ");
}

function reportLink(r, format) {
  const a = el("a", format === "csv" ? "CSV" : "Excel", "button");
  a.href = "/api/v1/reports/" + encodeURIComponent(r.id) + "?date=" + r.latest.date + "&format=" + format + (lang === "en" ? "&lang=en" : "");
  a.download = "";
  return a;
}

function reportsRow(r) {
  const title = r.id === "daily" && !r.title ? t("dailyTitle") : (lang === "en" && r.title_en) || r.title || r.id;
  const files = el("td");
  files.append(reportLink(r, "csv"), " ", reportLink(r, "xlsx"));
  const cells = [el("td", title), el("td", r.cut), el("td", clock(r.latest.since) + " — " + clock(r.latest.until)), files];
  if (mayReadDeliveries()) cells.push(el("td", deliveryText(r.id), "report-delivery"));
  const tr = row(cells);
  tr.dataset.report = r.id;
  return tr;
}

function drawReports() {
  const section = document.getElementById("reports");
  section.hidden = !mayReadReports();
  if (section.hidden) return;
  document.getElementById("reports-delivery-head").hidden = !mayReadDeliveries();
  const key = JSON.stringify([lang, rs.list, rs.deliveries, me && me.role]);
  if (key === rs.drawn) return;
  rs.drawn = key;
  const list = rs.list || [];
  document.getElementById("reports-rows").replaceChildren(...(list.length ? list.map(reportsRow)
    : [emptyRow(mayReadDeliveries() ? 5 : 4, "reportNone")]));
}

// Loaded once who is logged in is known (a guard asks for nothing), then
// with the page's slow polls; drawn at once with what there is.
screens.push(slow => {
  drawReports();
  if (!me || !mayReadReports() || !(slow || rs.list === null)) return;
  loadReports().then(drawReports, () => {});
});
