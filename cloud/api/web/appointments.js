"use strict";
// The appointments screen (预约): for a site manager (or central monitoring,
// who picks the site), one day's slots with their capacity, bookings,
// arrivals and no-shows (GET /api/v1/sites/{site}/appointments?day=), the
// bookings themselves, a form to book by phone for a caller without a
// smartphone (POST /api/v1/sites/{site}/bookings, with the session's CSRF
// token), whose code and number the manager reads out or prints, and the
// venue-code poster to print for the gate. It runs after dashboard.js and
// uses its helpers (t, el, row, emptyRow, getJSON, changeHeaders, screens)
// and state (me, data, lang); display.js's siteName and dayOf.

Object.assign(T.zh, {
  appts: "预约", apptSite: "场所", apptDay: "日期", apptSlot: "时段", apptCap: "容量", apptBooked: "已约",
  apptArrived: "已到", apptNoShow: "未到", apptNone: "当日无预约时段", apptBookings: "预约名单",
  apptNumber: "登记号", apptParty: "人数", apptBy: "预约人", apptArrivedAt: "到达时间", apptNoBookings: "当日无预约",
  apptReused: n => `重复使用 ${n} 次`, apptSelf: "本人", apptCounts: (r, a, n) => `登记 ${r} · 已到 ${a} · 未到 ${n}`,
  apptPhone: "电话预约", apptSubmit: "预约",
  apptF_name: "姓名", apptF_phone: "手机号", apptF_id: "身份证号", apptF_origin: "从何处来", apptF_dest: "到访楼栋/科室",
  apptF_reason: "事由", apptF_transport: "交通方式", apptF_trip: "车次/航班号",
  apptNoSlot: "不预约（仅登记）", apptDone: "已预约，请告知来访人：", apptPoster: "打印场所码海报",
  apptPrint: "打印", apptValid: "有效期",
});
Object.assign(T.en, {
  appts: "Appointments", apptSite: "Site", apptDay: "Day", apptSlot: "Slot", apptCap: "Capacity", apptBooked: "Booked",
  apptArrived: "Arrived", apptNoShow: "No-show", apptNone: "No slots that day", apptBookings: "Bookings",
  apptNumber: "Number", apptParty: "People", apptBy: "Booked by", apptArrivedAt: "Arrived at", apptNoBookings: "No bookings that day",
  apptReused: n => `used ${n} times`, apptSelf: "visitor", apptCounts: (r, a, n) => `registered ${r} · arrived ${a} · no-show ${n}`,
  apptPhone: "Book by phone", apptSubmit: "Book",
  apptF_name: "Name", apptF_phone: "Phone", apptF_id: "ID number", apptF_origin: "Coming from", apptF_dest: "Building / department",
  apptF_reason: "Reason", apptF_transport: "Transport", apptF_trip: "Train or flight",
  apptNoSlot: "No slot (register only)", apptDone: "Booked; tell the caller:", apptPoster: "Print the venue-code poster",
  apptPrint: "Print", apptValid: "Valid",
});

// as is the screen's state: the site and day shown, the last answer,
// what was drawn (so a poll redraws only what changed), the last booking.
const as = { site: "", day: "", answer: null, err: "", drawn: "", busy: false, booked: null, note: "" };

// apptField is a label and its input, the label's text by key (data-at).
function apptField(key, input) {
  const label = el("label");
  const span = el("span");
  span.dataset.at = key;
  label.append(span, " ", input);
  return label;
}

function apptInput(name, attrs) {
  const i = el("input");
  i.name = name;
  Object.assign(i, attrs || {});
  return i;
}

function apptHeads(keys) {
  return row(keys.map(k => { const th = el("th"); th.dataset.at = k; return th; }));
}

(() => {
  const section = el("section", null, "appointments");
  section.id = "appointments";
  section.hidden = true;
  section.setAttribute("aria-labelledby", "h-appts");
  const h = el("h2");
  h.id = "h-appts";
  h.dataset.at = "appts";
  const bar = el("div", null, "report-bar");
  const site = el("select");
  site.id = "appt-site";
  const day = apptInput("day", { type: "date", id: "appt-day" });
  const poster = el("a", null, "button");
  poster.id = "appt-poster";
  poster.dataset.at = "apptPoster";
  poster.target = "_blank";
  bar.append(apptField("apptSite", site), apptField("apptDay", day), poster);
  const error = el("p", null, "error");
  error.id = "appt-error";
  error.hidden = true;
  const counts = el("p", null, "legend");
  counts.id = "appt-counts";
  const slots = el("table");
  slots.append(apptHeads(["apptSlot", "apptCap", "apptBooked", "apptArrived", "apptNoShow"]));
  const slotRows = el("tbody");
  slotRows.id = "appt-slots";
  slots.append(slotRows);
  const list = el("table");
  list.append(apptHeads(["apptNumber", "apptSlot", "apptParty", "apptBy", "apptArrivedAt", "apptArrived"]));
  const listRows = el("tbody");
  listRows.id = "appt-bookings";
  list.append(listRows);
  const wrap = t => { const d = el("div", null, "scroll"); d.append(t); return d; };
  const h3 = el("h3");
  h3.dataset.at = "apptBookings";
  section.append(h, bar, error, counts, wrap(slots), h3, wrap(list), apptForm());
  document.querySelector("section.visits").after(section);
  site.addEventListener("change", () => { as.site = site.value; as.answer = null; loadAppts(); });
  day.addEventListener("change", () => { as.day = day.value; as.answer = null; loadAppts(); });
})();

function apptForm() {
  const f = el("form", null, "appt-form");
  f.id = "appt-book";
  f.autocomplete = "off";
  const title = el("strong");
  title.dataset.at = "apptPhone";
  const slot = el("select");
  slot.name = "slot";
  slot.id = "appt-book-slot";
  const party = el("select");
  party.name = "party";
  for (let n = 1; n <= 6; n++) party.append(new Option(String(n), String(n)));
  const submit = el("button");
  submit.type = "submit";
  submit.dataset.at = "apptSubmit";
  const result = el("div", null, "appt-result");
  result.id = "appt-result";
  result.setAttribute("role", "status");
  const fields = el("div", null, "appt-fields");
  fields.id = "appt-book-fields";
  f.append(title, fields, apptField("apptSlot", slot), apptField("apptParty", party), submit, result);
  f.addEventListener("submit", bookByPhone);
  return f;
}

function apptSites() {
  if (me && me.site) return [me.site];
  return [...new Set((data.units || []).map(u => u.site))].sort();
}

async function loadAppts() {
  if (!as.site || as.busy) return;
  as.busy = true;
  const path = "/api/v1/sites/" + encodeURIComponent(as.site) + "/appointments" + (as.day ? "?day=" + as.day : "");
  try {
    as.answer = await getJSON(path);
    if (!as.day && as.answer.day) as.day = as.answer.day;
    as.err = "";
  } catch (err) { as.err = String(err); } finally { as.busy = false; }
  drawAppts();
}

function apptSlotRow(s) {
  return row([el("td", s.label), el("td", num(s.capacity), "num"), el("td", num(s.booked), "num"),
    el("td", num(s.arrived), "num"), el("td", num(s.no_show), s.no_show ? "num warn" : "num")]);
}

function apptBookingRow(b) {
  const arrived = el("td", b.arrived_at ? clock(b.arrived_at) : b.no_show ? t("apptNoShow") : "—");
  const uses = el("td", b.uses > 1 ? t("apptReused")(b.uses) : b.uses ? "✓" : "");
  if (b.uses > 1) uses.append(" ", el("span", "⚠", "pill warn"));
  if (b.units && b.units.length) uses.title = b.units.join(", ");
  const tr = row([el("td", b.number, "num"), el("td", b.slot_label || "—"), el("td", num(b.party), "num"),
    el("td", b.booked_by || t("apptSelf")), arrived, uses]);
  tr.dataset.booking = b.id;
  return tr;
}

function drawApptLabels(section) {
  section.querySelectorAll("[data-at]").forEach(n => { n.textContent = t(n.dataset.at); });
}

function drawAppts() {
  const section = document.getElementById("appointments");
  // A site's manager and central monitoring book; a guard and a tracer
  // have other work.
  section.hidden = !me || (me.role !== "site_manager" && me.role !== "monitor");
  if (section.hidden) return;
  const sites = apptSites();
  if (!as.site && sites.length) { as.site = sites[0]; loadAppts(); }
  const a = as.answer;
  const key = JSON.stringify([lang, sites, as.site, as.day, a, as.err, as.booked, as.note]);
  if (key === as.drawn) return;
  as.drawn = key;
  drawApptLabels(section);
  const pick = document.getElementById("appt-site");
  if (pick.options.length !== sites.length) pick.replaceChildren(...sites.map(s => new Option(siteName(s), s)));
  pick.value = as.site;
  pick.disabled = sites.length < 2;
  document.getElementById("appt-day").value = as.day;
  document.getElementById("appt-poster").href = "/api/v1/sites/" + encodeURIComponent(as.site) + "/venue-poster.png";
  const error = document.getElementById("appt-error");
  error.hidden = !as.err;
  error.textContent = as.err;
  const slots = (a && a.slots) || [], bookings = (a && a.bookings) || [];
  document.getElementById("appt-counts").textContent = a ? t("apptCounts")(a.registrations || 0, a.arrivals || 0, a.no_shows || 0) : "";
  document.getElementById("appt-slots").replaceChildren(...(slots.length ? slots.map(apptSlotRow) : [emptyRow(5, "apptNone")]));
  document.getElementById("appt-bookings").replaceChildren(...(bookings.length ? bookings.map(apptBookingRow) : [emptyRow(6, "apptNoBookings")]));
  drawBookFields(a);
  drawBookSlots(slots);
  drawBooked();
}

// apptFieldInputs are the inputs a site's policy may ask a caller for (the
// arrival time is the page's alone: a caller booking ahead has none yet).
const apptFieldInputs = {
  name: { maxLength: 32 }, phone: { type: "tel", inputMode: "tel", maxLength: 15 }, id: { maxLength: 18 },
  origin: { maxLength: 64 }, dest: { maxLength: 64 }, reason: { maxLength: 64 }, transport: { maxLength: 64 },
  trip: { maxLength: 64 },
};

// drawBookFields asks what the site's policy asks, as the visitor's page
// does; redrawn only when that changes, so a poll keeps what was typed.
function drawBookFields(a) {
  const box = document.getElementById("appt-book-fields");
  const fields = ((a && a.fields) || ["name"]).filter(n => apptFieldInputs[n]);
  const required = (a && a.required) || ["name"];
  const key = JSON.stringify([fields, required]);
  if (box.dataset.fields === key) return;
  box.dataset.fields = key;
  box.replaceChildren(...fields.map(n => apptField("apptF_" + n,
    apptInput(n, Object.assign({ required: required.includes(n) }, apptFieldInputs[n])))));
  drawApptLabels(box);
}

// drawBookSlots offers the day's slots with room, keeping the choice.
function drawBookSlots(slots) {
  const pick = document.getElementById("appt-book-slot"), was = pick.value;
  const opts = [new Option(t("apptNoSlot"), "")].concat(slots.map(s => {
    const o = new Option(s.label + " (" + Math.max(0, s.capacity - s.booked) + ")", s.s + "-" + s.e);
    o.disabled = s.booked >= s.capacity;
    return o;
  }));
  pick.replaceChildren(...opts);
  if ([...pick.options].some(o => o.value === was && !o.disabled)) pick.value = was;
}

// drawBooked shows the last booking's number, slot and code, to read out
// or print for the caller.
function drawBooked() {
  const box = document.getElementById("appt-result"), b = as.booked;
  box.dataset.code = b ? b.code : "";
  if (!b) { box.replaceChildren(as.note ? el("p", as.note, "error") : ""); return; }
  const img = el("img");
  img.src = b.qr;
  img.alt = b.number;
  img.className = "appt-qr";
  const print = el("button", t("apptPrint"));
  print.type = "button";
  print.addEventListener("click", () => window.print());
  box.replaceChildren(el("p", t("apptDone")), el("p", b.number, "appt-number"),
    el("p", b.slot_label || ""), el("p", t("apptValid") + " " + clock(b.valid_from) + " – " + clock(b.valid_to)), img, print);
}

async function bookByPhone(ev) {
  ev.preventDefault();
  const f = ev.target;
  // namedItem: a form's own .name and .id would shadow the inputs.
  const v = n => f.elements.namedItem(n).value.trim();
  const visitor = {};
  for (const n of Object.keys(apptFieldInputs)) {
    if (f.elements.namedItem(n) && v(n)) visitor[n] = n === "id" ? v(n).toUpperCase() : v(n);
  }
  const body = { visitor };
  if (v("slot")) {
    const [s, e] = v("slot").split("-").map(Number);
    body.slot = { s, e };
    body.party = Number(v("party"));
  }
  as.booked = null;
  as.note = "";
  try {
    const r = await fetch("/api/v1/sites/" + encodeURIComponent(as.site) + "/bookings", { method: "POST",
      credentials: "same-origin", headers: changeHeaders(), body: JSON.stringify(body) });
    const answer = await r.json().catch(() => ({}));
    if (r.ok) { as.booked = answer; f.reset(); } else {
      as.note = (answer.error || r.status + " " + r.statusText) + (answer.next_free ? " → " + answer.next_free.label : "");
    }
  } catch (err) { as.note = String(err); }
  as.answer = null;
  await loadAppts();
}

screens.push(slow => {
  drawAppts();
  if (slow && as.site) loadAppts();
});
