"use strict";
// How the dashboard names places and tells the time, for every screen.
// Loaded before dashboard.js; the functions read its state (data, me,
// lang) only when called, after every script has run.
//
// Places go by the names people call them (阳光花园小区 · 北门): the
// config's site name, else the one the unit's status gives, else the id,
// which then is all there is. The id stays in the tooltip for whoever
// must type it.
//
// Times are in the collector's zone (Asia/Shanghai unless configured),
// which /api/v1/session names, never the browser's: an official's laptop
// set to another zone must read a fever at the gate's 10:15 as 10:15.

const DEFAULT_ZONE = "Asia/Shanghai";

// zone is the collector's time zone, once the session said it.
function zone() {
  const z = typeof me !== "undefined" && me && me.timezone;
  return z || DEFAULT_ZONE;
}

// inZone adds the collector's zone to Intl options.
function inZone(opts) { return Object.assign({ timeZone: zone() }, opts || {}); }

// dayOf is the calendar day a time falls on in the collector's zone.
function dayOf(d) { return new Date(d).toLocaleDateString("en-CA", inZone()); }

// siteName is what people call a site: the config's name, else its units'.
function siteName(site) {
  const o = data.occupancy.find(s => s.site === site && s.name && s.name !== site);
  if (o) return o.name;
  const u = data.units.find(u => u.site === site && u.site_name);
  return u ? u.site_name : site;
}

// unitName is what people call a unit at site, else its id.
function unitName(site, unit) {
  const u = data.units.find(u => u.site === site && u.id === unit);
  return u && u.name ? u.name : unit;
}

// place is "site · unit" by their names, for one cell or an alert's head.
function place(site, unit) { return siteName(site) + (unit ? " · " + unitName(site, unit) : ""); }

// placeCell is a cell showing a name, with the id it stands for as its
// tooltip when the two differ.
function named(tag, name, id, cls) {
  const e = el(tag, name, cls);
  if (id && name !== id) e.title = id;
  return e;
}

// zoneOffset is how far the collector's zone is ahead of UTC at instant
// ms, in ms, read back from Intl (the browser knows the zone's rules).
function zoneOffset(ms) {
  const p = {};
  for (const part of new Intl.DateTimeFormat("en-GB", inZone({ hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })).formatToParts(ms)) {
    p[part.type] = part.value;
  }
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
}

// wallToISO reads "2022-04-02T09:00" (a datetime-local input's value) as
// that wall time in the collector's zone, and returns it as RFC 3339 with
// the zone's offset; "" for a value that is not one.
function wallToISO(wall) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(wall || "");
  if (!m) return "";
  const asUTC = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  const off = zoneOffset(asUTC - zoneOffset(asUTC)); // twice: the offset at the instant meant
  const sign = off < 0 ? "-" : "+", abs = Math.abs(off) / 60000;
  return wall + ":00" + sign + String(Math.floor(abs / 60)).padStart(2, "0") + ":" + String(abs % 60).padStart(2, "0");
}

// isoToWall is the wall time of instant ms in the collector's zone, as a
// datetime-local input shows it.
function isoToWall(ms) {
  return new Date(ms + zoneOffset(ms)).toISOString().slice(0, 16);
}
