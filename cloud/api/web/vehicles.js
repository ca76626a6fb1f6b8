"use strict";
// The vehicle lanes (车辆通道): today's vehicles, newest first, each with
// its plate, what the gate found it to be, its outcome and the people in
// it (GET /api/v1/vehicles); and the plate beside each occupant's entry
// in the latest-entries feed (vehicleTag, which dashboard.js's entryRow
// calls). It runs after dashboard.js and uses its helpers (t, el, row,
// emptyRow, short, clock, word, getJSON, screens) and display.js's
// (siteName, unitName, named).

Object.assign(T.zh, {
  vehicles: "今日车辆通行", vehPlate: "车牌", vehKind: "车辆类型", vehOutcome: "结果", vehPeople: "车内人员",
  noVehicles: "今日暂无车辆", vehUndecided: "查验中", vehDriver: "司机", vehPassenger: "乘车人",
  vehKinds: { resident: "本小区车辆", supply: "保供车辆", outside: "外来车辆", unknown: "待查验" },
  vehCount: n => n + " 人",
});
Object.assign(T.en, {
  vehicles: "Vehicles today", vehPlate: "Plate", vehKind: "Vehicle", vehOutcome: "Outcome", vehPeople: "People in it",
  noVehicles: "No vehicles today", vehUndecided: "being screened", vehDriver: "driver", vehPassenger: "passenger",
  vehKinds: { resident: "Resident vehicle", supply: "Supply vehicle", outside: "Outside vehicle", unknown: "Not yet known" },
  vehCount: n => n + (n === 1 ? " person" : " people"),
});

// vs is the screen's state: the last answer and whether a fetch is out.
const vs = { list: [], busy: false, err: "" };

(() => {
  const section = el("section", null, "vehicles");
  section.setAttribute("aria-labelledby", "h-vehicles");
  const h = el("h2");
  h.id = "h-vehicles";
  h.dataset.t = "vehicles";
  const error = el("p", null, "error");
  error.id = "vehicles-error";
  error.hidden = true;
  const table = el("table");
  const head = el("thead");
  head.append(row(["time", "site", "unit", "vehPlate", "vehKind", "vehOutcome", "vehPeople"].map(k => {
    const th = el("th");
    th.dataset.t = k;
    return th;
  })));
  const body = el("tbody");
  body.id = "vehicles";
  table.append(head, body);
  const scroll = el("div", null, "scroll");
  scroll.append(table);
  section.append(h, error, scroll);
  document.querySelector("section.entries").before(section);
})();

// vehicleTag is the plate and seat of an occupant, for the entries feed.
function vehicleTag(v) {
  const tag = el("span", "🚗 " + v.plate + " · " + t(v.role === "driver" ? "vehDriver" : "vehPassenger"), "tag vehicle");
  tag.title = (t("vehKinds")[v.kind] || v.kind);
  return tag;
}

function vehicleRow(v) {
  const outcome = el("td");
  outcome.append(el("span", v.decision ? word("decisions", v.decision) : t("vehUndecided"),
    "pill " + (v.decision ? (TONE[v.decision] || "warn") : "warn")));
  const people = (v.occupants || []).map(o => t(o.role === "driver" ? "vehDriver" : "vehPassenger") + " " + word("decisions", o.decision));
  const plate = el("td", v.plate, "plate");
  plate.title = v.source === "anpr" ? "ANPR" : "";
  const when = el("td", short(v.time));
  when.title = clock(v.time);
  return row([when, named("td", siteName(v.site), v.site, "wide"), named("td", unitName(v.site, v.unit), v.unit),
              plate, el("td", t("vehKinds")[v.kind] || v.kind), outcome,
              el("td", t("vehCount")(people.length) + (people.length ? " · " + people.join(lang === "zh" ? "，" : ", ") : ""), "reasons")]);
}

async function fetchVehicles() {
  if (vs.busy) return;
  vs.busy = true;
  try {
    const answer = await getJSON("/api/v1/vehicles?limit=200");
    vs.list = (answer.vehicles || []).slice().reverse(); // newest first
    vs.err = "";
  } catch (err) {
    vs.err = String(err);
  } finally {
    vs.busy = false;
  }
  drawVehicles();
}

function drawVehicles() {
  const rows = vs.list.length ? vs.list.map(vehicleRow) : [emptyRow(7, "noVehicles")];
  document.getElementById("vehicles").replaceChildren(...rows);
  const e = document.getElementById("vehicles-error");
  e.hidden = !vs.err;
  e.textContent = vs.err;
}

// Every render draws what is known and asks for what is new; a fetch still
// out is not doubled.
screens.push(() => { drawVehicles(); fetchVehicles(); });
