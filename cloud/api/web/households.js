"use strict";
// The household screen (一户一卡): each site's households with uses in their
// period, those over their allowance first — a household that went out more
// often than its pass allows (two lanes letting a copied pass out at once,
// or a lane cut off from its gateway), as the centre's healed count has it
// (cloud/README.md "The API": /api/v1/households). It runs after
// dashboard.js and uses its helpers (t, el, row, emptyRow, named, siteName,
// short, clock, getJSON) and state (data, errors, screens). Loaded with the
// page's slow polls, one request per site the fleet shows.

Object.assign(T.zh, {
  households: "一户一卡", household: "户号", hhUsed: "本期已用", hhNext: "下次可出", hhLast: "最近一次",
  hhOver: "超次", hhNone: "本期暂无通行记录",
});
Object.assign(T.en, {
  households: "One pass per household", household: "Household", hhUsed: "Used this period", hhNext: "Next allowed",
  hhLast: "Last use", hhOver: "over quota", hhNone: "No uses this period",
});

// HH_ROWS bounds the table: the over-quota households and the latest uses
// are what the control room acts on; the site's property office has the rest.
const HH_ROWS = 50;
const hs = { rows: [], loaded: false };

async function loadHouseholds() {
  const sites = [...new Set(data.units.map(u => u.site))].sort();
  const lists = await Promise.allSettled(sites.map(s => getJSON("/api/v1/households?site=" + encodeURIComponent(s))));
  errors.households = lists.some(r => r.status === "rejected") ? String(lists.find(r => r.status === "rejected").reason) : null;
  hs.rows = lists.flatMap((r, i) => r.status === "fulfilled" ? (r.value.households || []).map(h => ({ ...h, site: sites[i] })) : []);
  hs.rows.sort((a, b) => (b.over_quota - a.over_quota) || String(b.last_use).localeCompare(String(a.last_use)));
  hs.loaded = true;
}

function drawHouseholds() {
  const rows = hs.rows.filter(h => h.used > 0 || h.over_quota).slice(0, HH_ROWS).map(h => {
    const used = el("td", h.used + " / " + h.allowance);
    if (h.over_quota) used.append(" ", el("span", t("hhOver"), "pill deny"));
    const last = el("td", h.last_use ? short(h.last_use) : "");
    if (h.last_use) last.title = clock(h.last_use);
    return row([named("td", siteName(h.site), h.site), el("td", h.household), used,
                el("td", h.next_at ? short(h.next_at) : ""), last]);
  });
  document.getElementById("households").replaceChildren(...(rows.length ? rows : [emptyRow(5, "hhNone")]));
}

screens.push(slow => {
  drawHouseholds();
  if (!(slow || !hs.loaded)) return;
  loadHouseholds().then(drawHouseholds, () => {});
});
