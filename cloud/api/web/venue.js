"use strict";
// The visitor's page (来访登记): a visitor scans the venue code posted at
// the gate, reads what is collected and why, fills in the fields the
// site's policy asks for, books a slot where the site takes appointments,
// and gets back a registration code signed by the centre to show at the
// gate. No framework and nothing from outside, like the dashboard: the
// page must work from the collector alone. The code is kept in this
// phone's localStorage, so reopening the page shows it again; the centre
// keeps no name, phone or ID number (the code carries them, on this phone).

const site = decodeURIComponent(location.pathname.split("/")[2] || "");
const storeKey = "kakou-venue:" + site;
const MAX_PARTY = 6; // wire.MaxParty

// FIELDS are the registration fields a site may ask for, keyed as
// wire.VenueVisitor's JSON; the label is Chinese first, English beside it.
const FIELDS = {
  name: { zh: "姓名", en: "Name", max: 32, auto: "name" },
  phone: { zh: "手机号", en: "Phone", max: 15, type: "tel", mode: "tel", auto: "tel", digits: [5, 15] },
  id: { zh: "身份证号", en: "ID card number", max: 18, mode: "text", idnumber: true },
  origin: { zh: "从何处来", en: "Coming from", max: 64 },
  dest: { zh: "拜访楼栋/单位", en: "Visiting (building/unit)", max: 64 },
  reason: { zh: "来访事由", en: "Reason", max: 64 },
  transport: { zh: "交通方式", en: "Transport", max: 64 },
  trip: { zh: "车次/航班号", en: "Train or flight no.", max: 64, caps: true },
  arr: { zh: "抵达时间", en: "Arrival time", type: "datetime-local" },
};
// Other spellings a policy may use for the same field.
const ALIASES = { id_number: "id", idnumber: "id", arrival: "arr", host: "dest", destination: "dest" };
// Words in a server error that name a field, Chinese and English.
const FIELD_WORDS = {
  name: ["姓名", "name"], phone: ["手机", "电话", "phone"], id: ["身份证", "证件", "id_number", "id"],
  origin: ["来自", "origin"], dest: ["拜访", "dest"], reason: ["事由", "reason"], transport: ["交通", "transport"],
  trip: ["车次", "航班", "trip"], arr: ["抵达", "arrival", "arr"], slot: ["时段", "slot"], party: ["人数", "party"],
  consent: ["同意", "consent"],
};

const state = { info: null, slot: null, day: "", nextFree: null, busy: false };

function $(id) { return document.getElementById(id); }
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
// bi is Chinese text with its English beside it, smaller.
function bi(zh, en) {
  const span = el("span", zh + " ");
  const small = el("small", en);
  small.lang = "en";
  span.append(small);
  return span;
}

// --- time, in the site's zone (appointments.utc_offset, +08:00 unless set)

function offsetMinutes() {
  const off = (state.info && state.info.appointments && state.info.appointments.utc_offset) || "+08:00";
  const m = /^([+-])(\d\d):(\d\d)$/.exec(off);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 480;
}
// local is a Date whose UTC fields read as the site's wall clock.
function local(unix) { return new Date((unix + offsetMinutes() * 60) * 1000); }
function hm(d) { return String(d.getUTCHours()).padStart(2, "0") + ":" + String(d.getUTCMinutes()).padStart(2, "0"); }
function dayOf(d) { return (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日"; }
function when(unix) { const d = local(unix); return dayOf(d) + " " + hm(d); }
function slotLabel(s) { return dayOf(local(s.s)) + " " + hm(local(s.s)) + "–" + hm(local(s.e)); }
// unixOf reads a time the API sent as Unix seconds or as RFC 3339.
function unixOf(v) { return typeof v === "number" ? v : Math.floor(new Date(v).getTime() / 1000); }

// --- the code kept on this phone

// claims reads a code's claims for display; the centre checked the
// signature when it drew the QR code, and the gate checks it again.
function claims(code) {
  try {
    const b64 = code.split(".")[2].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) { return null; }
}

function saved() {
  try { return JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (err) { return null; }
}

function showResult(r) {
  const c = claims(r.code);
  if (!c) return false;
  $("r-qr").src = r.qr;
  $("r-number").textContent = c.no;
  const label = r.slot_label || (c.slot ? slotLabel(c.slot) : "");
  $("r-slot").hidden = !label;
  $("r-slot").replaceChildren(bi("预约时段", "Slot"), el("strong", label));
  $("r-party").hidden = !c.slot;
  $("r-party").replaceChildren(bi("可入人数", "People"), el("strong", (c.party || 1) + " 人"));
  $("r-valid").replaceChildren(bi("有效期", "Valid"), el("span", when(c.nbf) + " 至 " + when(c.exp)));
  $("r-link").value = location.origin + "/v/" + encodeURIComponent(site) + "#r=" + r.code;
  $("result").hidden = false;
  $("form").hidden = true;
  return true;
}

// fromLink redraws a code sent as /v/{site}#r=<code>: the centre draws the
// QR code only for a code it signed.
async function fromLink(code) {
  const r = await fetch("/api/v1/venue/qr", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code }) });
  const answer = await r.json().catch(() => ({}));
  if (!r.ok || !answer.qr) throw new Error(answer.error || "此码无效 The code is not valid");
  const kept = { code, qr: answer.qr };
  localStorage.setItem(storeKey, JSON.stringify(kept));
  return kept;
}

// --- the form

async function loadInfo() {
  const r = await fetch("/api/v1/venue/" + encodeURIComponent(site), { cache: "no-store" });
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(answer.error || r.status + " " + r.statusText);
  state.info = answer;
  return answer;
}

function fieldKey(f) { return ALIASES[f] || f; }

function drawHeader(info) {
  document.title = (info.name || site) + " · 来访登记";
  $("site-name").replaceChildren(el("span", info.name || site), el("br"), bi("来访登记", "Visitor registration"));
}

function drawFields(info) {
  const required = new Set((info.required || []).map(fieldKey).concat(["name"]));
  const keys = ["name"].concat((info.fields || []).map(fieldKey).filter(k => k !== "name" && FIELDS[k]));
  const box = $("fields");
  box.replaceChildren(...[...new Set(keys)].map(k => fieldRow(k, required.has(k))));
  $("consent-fields").textContent = [...new Set(keys)].map(k => FIELDS[k].zh).join("、");
  $("consent-text").textContent = info.consent || "";
}

function fieldRow(key, required) {
  const f = FIELDS[key];
  const wrap = el("div", null, "field");
  const label = el("label");
  label.htmlFor = "f-" + key;
  label.append(bi(f.zh, f.en));
  if (required) label.append(el("span", " *", "req"));
  const input = el("input");
  input.id = "f-" + key;
  input.name = key;
  input.type = f.type || "text";
  if (f.max) input.maxLength = f.max;
  if (f.mode) input.inputMode = f.mode;
  if (f.auto) input.autocomplete = f.auto;
  if (f.caps || f.idnumber) input.autocapitalize = "characters";
  input.required = required;
  const err = el("p", null, "error field-error");
  err.dataset.for = key;
  err.hidden = true;
  wrap.append(label, input, err);
  return wrap;
}

function drawBooking(info) {
  const a = info.appointments;
  const on = !!a && (a.mode === "hard" || a.mode === "soft");
  $("booking").hidden = !on;
  if (!on) return;
  $("b-note").replaceChildren(a.mode === "hard" ? bi("本场所须预约入场，请选择时段", "Entry by appointment: pick a slot")
    : bi("可预约时段，也可不预约", "You may book a slot, or not"));
  const party = $("party");
  if (!party.options.length) {
    for (let n = 1; n <= MAX_PARTY; n++) party.append(new Option(n + " 人", String(n)));
  }
  const slots = info.slots || [];
  const days = [...new Set(slots.map(s => dayOf(local(s.s))))];
  if (!days.includes(state.day)) state.day = days[0] || "";
  $("no-slots").hidden = slots.length > 0;
  $("days").replaceChildren(...days.map(d => {
    const b = el("button", d, "day");
    b.type = "button";
    b.setAttribute("role", "tab");
    b.setAttribute("aria-selected", String(d === state.day));
    b.addEventListener("click", () => { state.day = d; drawBooking(state.info); });
    return b;
  }));
  const list = slots.filter(s => dayOf(local(s.s)) === state.day).map(slotOption);
  if (a.mode === "soft") list.unshift(slotOption(null));
  $("slots").replaceChildren(...list);
}

function sameSlot(x, y) { return !!x && !!y && x.s === y.s && x.e === y.e; }

function slotOption(s) {
  const label = el("label", null, "slot");
  const input = el("input");
  input.type = "radio";
  input.name = "slot";
  input.checked = s ? sameSlot(s, state.slot) : !state.slot;
  const full = s && s.free <= 0;
  input.disabled = !!full;
  input.addEventListener("change", () => { state.slot = s ? { s: s.s, e: s.e } : null; });
  label.append(input);
  if (!s) {
    label.append(bi("不预约", "No appointment"));
    return label;
  }
  label.dataset.s = String(s.s);
  if (full) label.classList.add("full");
  // The time over what is left, so two slots fit side by side on a phone.
  const text = el("span", null, "text");
  text.append(el("span", hm(local(s.s)) + "–" + hm(local(s.e)), "time"),
    el("span", full ? "已满 full" : "余 " + s.free + " left", full ? "free none" : "free"));
  label.append(text);
  return label;
}

// --- errors, next to the field they name

function clearErrors() {
  document.querySelectorAll(".field-error, #form-error").forEach(e => { e.hidden = true; e.textContent = ""; });
  document.querySelectorAll("[aria-invalid]").forEach(e => e.removeAttribute("aria-invalid"));
  $("next-free").hidden = true;
}

// showError puts msg beside the field it names (the earliest-named one),
// or above the submit button when it names none.
function showError(msg, key) {
  key = key || namedField(msg);
  const box = key && document.querySelector(`.field-error[data-for="${key}"]`);
  const target = box || $("form-error");
  target.textContent = msg;
  target.hidden = false;
  const input = key && $(key === "consent" ? "consent" : key === "party" ? "party" : "f-" + key);
  if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  target.scrollIntoView({ block: "center" });
}

function namedField(msg) {
  const text = msg.toLowerCase();
  let best = "", at = Infinity;
  for (const [key, words] of Object.entries(FIELD_WORDS)) {
    for (const w of words) {
      const m = new RegExp(/^[a-z_]+$/.test(w) ? "(^|[^a-z_])" + w + "($|[^a-z_])" : w).exec(text);
      if (m && m.index < at) { best = key; at = m.index; }
    }
  }
  return best;
}

// check finds what the server would refuse before the visitor waits for
// the proof of work; the server checks again.
function check() {
  for (const input of $("fields").querySelectorAll("input")) {
    const f = FIELDS[input.name], v = input.value.trim();
    if (input.required && !v) return [input.name, f.zh + "为必填 " + f.en + " is required"];
    if (v && f.digits && !new RegExp("^\\d{" + f.digits[0] + "," + f.digits[1] + "}$").test(v))
      return [input.name, f.zh + "应为数字 " + f.en + ": digits only"];
    if (v && f.idnumber && !/^(\d{15}|\d{17}[\dX])$/.test(v.toUpperCase()))
      return [input.name, "身份证号应为18位（末位可为X）或15位 ID number: 18 characters (last may be X) or 15 digits"];
  }
  const a = state.info.appointments;
  if (a && a.mode === "hard" && !state.slot) return ["slot", "请选择预约时段 Pick a slot"];
  if (!$("consent").checked) return ["consent", "请先阅读并同意 Please read and agree first"];
  return null;
}

function visitorOf() {
  const v = {};
  for (const input of $("fields").querySelectorAll("input")) {
    const s = input.value.trim();
    if (!s) continue;
    if (input.name === "arr") v.arr = Math.floor(new Date(s + ":00" + offsetText()).getTime() / 1000);
    else v[input.name] = input.name === "id" || input.name === "trip" ? s.toUpperCase() : s;
  }
  return v;
}
function offsetText() {
  const m = offsetMinutes(), a = Math.abs(m);
  return (m < 0 ? "-" : "+") + String(Math.floor(a / 60)).padStart(2, "0") + ":" + String(a % 60).padStart(2, "0");
}

// --- proof of work: SHA-256(challenge + ":" + nonce) with `bits` leading
// zero bits, which makes a flood of registrations cost the sender.

function zeroBits(h, bits) {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (h[i] !== 0) return false;
  return bits === 0 || (h[i] >> (8 - bits)) === 0;
}

// digest is the browser's SHA-256 where it has one (a secure context:
// https or this machine); on a plain-http intranet address it is not
// there, and sha256 below does the same in script.
function digest(bytes) {
  if (window.crypto && crypto.subtle) return crypto.subtle.digest("SHA-256", bytes).then(b => new Uint8Array(b));
  return Promise.resolve(sha256(bytes));
}

async function solve(challenge, bits) {
  const enc = new TextEncoder(), BATCH = 256;
  for (let base = 0; ; base += BATCH) {
    const sums = await Promise.all(Array.from({ length: BATCH }, (_, i) => digest(enc.encode(challenge + ":" + (base + i)))));
    const hit = sums.findIndex(h => zeroBits(h, bits));
    if (hit >= 0) return String(base + hit);
  }
}

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

// sha256 is FIPS 180-4's SHA-256 of bytes, for browsers without
// crypto.subtle.
function sha256(bytes) {
  const n = ((bytes.length + 9 + 63) >> 6) << 6, m = new Uint8Array(n);
  m.set(bytes);
  m[bytes.length] = 0x80;
  new DataView(m.buffer).setUint32(n - 4, bytes.length * 8);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64), dv = new DataView(m.buffer);
  const rot = (x, r) => (x >>> r) | (x << (32 - r));
  for (let off = 0; off < n; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rot(w[i - 15], 7) ^ rot(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rot(w[i - 2], 17) ^ rot(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    let [a, b, c, d, e, f, g, k] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = k + (rot(e, 6) ^ rot(e, 11) ^ rot(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
      const t2 = (rot(a, 2) ^ rot(a, 13) ^ rot(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    [a, b, c, d, e, f, g, k].forEach((v, i) => { h[i] += v; });
  }
  const out = new Uint8Array(32);
  h.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v));
  return out;
}

// --- submitting

async function submit(ev) {
  if (ev) ev.preventDefault();
  if (state.busy) return;
  clearErrors();
  const bad = check();
  if (bad) { showError(bad[1], bad[0]); return; }
  state.busy = true;
  $("submit").disabled = true;
  $("working").hidden = false;
  try {
    // A fresh challenge for each try (each is used once), and the slots'
    // counts as they are now.
    const info = await loadInfo();
    drawBooking(info);
    const body = { challenge: info.pow.challenge, nonce: await solve(info.pow.challenge, info.pow.bits),
      consent: true, visitor: visitorOf() };
    if (state.slot) { body.slot = state.slot; body.party = Number($("party").value); }
    const r = await fetch("/api/v1/venue/" + encodeURIComponent(site) + "/register", { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    await answered(r);
  } catch (err) {
    showError("提交失败，请检查网络后重试 Could not submit; check the connection and try again (" + err.message + ")");
  } finally {
    state.busy = false;
    $("submit").disabled = false;
    $("working").hidden = true;
  }
}

async function answered(r) {
  const answer = await r.json().catch(() => ({}));
  const msg = answer.error || r.status + " " + r.statusText;
  if (r.status === 201 || r.ok) {
    const kept = { code: answer.code, qr: answer.qr, slot_label: answer.slot_label || "" };
    localStorage.setItem(storeKey, JSON.stringify(kept));
    showResult(kept);
    window.scrollTo(0, 0);
  } else if (r.status === 409) {
    showError(msg, "slot");
    offerNextFree(answer.next_free);
  } else if (r.status === 429) {
    const secs = Number(r.headers.get("Retry-After")) || 60;
    const wait = secs >= 120 ? Math.ceil(secs / 60) + " 分钟" : secs + " 秒";
    showError("提交过于频繁，请 " + wait + "后再试 Too many tries: try again in " +
      (secs >= 120 ? Math.ceil(secs / 60) + " min" : secs + " s") + (answer.error ? "（" + answer.error + "）" : ""));
  } else {
    showError(msg);
  }
}

// offerNextFree offers, with one tap, the next slot with room.
function offerNextFree(next) {
  state.nextFree = next || null;
  if (!next) return;
  const b = $("next-free-take");
  b.replaceChildren(bi("改约 " + (next.label || slotLabel(next)) + " 并提交", "Book this one instead"));
  $("next-free").hidden = false;
}

$("next-free-take").addEventListener("click", () => {
  const n = state.nextFree;
  if (!n) return;
  state.slot = { s: n.s, e: n.e };
  state.day = dayOf(local(n.s));
  submit();
});

// --- sharing and starting again

$("r-share").addEventListener("click", async () => {
  const link = $("r-link").value;
  try {
    if (navigator.share) { await navigator.share({ title: document.title, url: link }); return; }
    await navigator.clipboard.writeText(link);
    $("r-shared").textContent = "链接已复制 Link copied";
  } catch (err) {
    $("r-link").hidden = false;
    $("r-link").select();
    $("r-shared").textContent = "请长按复制链接 Press and hold to copy the link";
  }
});

$("r-new").addEventListener("click", async () => {
  localStorage.removeItem(storeKey);
  history.replaceState(null, "", location.pathname);
  $("result").hidden = true;
  // A new registration asks for the consent again, and a new slot.
  $("form").reset();
  state.slot = null;
  clearErrors();
  await showForm();
});

$("form").addEventListener("submit", submit);

async function showForm() {
  try {
    const info = state.info || await loadInfo();
    drawHeader(info);
    drawFields(info);
    drawBooking(info);
    $("form").hidden = false;
  } catch (err) {
    $("load-error").textContent = "加载失败，请稍后重试 Could not load the page: " + err.message;
    $("load-error").hidden = false;
  }
}

// start shows a code sent as a link, else the one kept on this phone (while
// it is valid), else the form.
async function start() {
  const linked = new URLSearchParams(location.hash.slice(1)).get("r");
  let shown = false;
  if (linked) {
    try { shown = showResult(await fromLink(linked)); } catch (err) { $("r-error").textContent = err.message; }
  }
  const kept = saved();
  if (!shown && kept) {
    const c = claims(kept.code);
    if (c && c.exp > Date.now() / 1000) shown = showResult(kept);
    else localStorage.removeItem(storeKey);
  }
  if (shown) {
    // The site's name and zone, for the header and the times shown.
    loadInfo().then(info => { drawHeader(info); showResult(saved() || kept); }, () => {});
  } else {
    if (linked) { $("load-error").textContent = $("r-error").textContent; $("load-error").hidden = false; }
    await showForm();
  }
  $("loading").hidden = true;
}

start();
