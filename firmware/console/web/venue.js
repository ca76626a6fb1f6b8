"use strict";
// A registration code (登记码, from the venue code's page): the person is
// on the entry, masked as a typed form is; this line adds the code's
// number, the party, the booked slot and whether the gate admits it now —
// 已预约 ✓ or 不在预约时段 ✗ — so the guard needs no other screen.
const venueWords = {
  zh: { code: "登记码", party: n => `${n}人`, ok: "已预约 ✓", outside: "不在预约时段 ✗", unchecked: "时钟未同步，请核对预约时段", none: "无预约" },
  en: { code: "registration", party: n => `party of ${n}`, ok: "booked ✓", outside: "outside the booking ✗", unchecked: "clock not synced: check the slot", none: "no booking" },
};
window.kakouVenue = f => {
  const box = document.getElementById("venue-info");
  const v = f && f.venue;
  if (!v) { box.hidden = true; box.replaceChildren(); return; }
  const w = venueWords[lang] || venueWords.zh;
  const line = document.createElement("span");
  line.textContent = `${w.code} ${v.number} · ${w.party(v.party)} · ${v.slot || w.none}`;
  const parts = [line];
  if (v.booked) {
    const mark = document.createElement("b");
    mark.id = "venue-mark";
    mark.className = v.booked;
    mark.textContent = " · " + w[v.booked];
    parts.push(mark);
  }
  box.replaceChildren(...parts);
  box.hidden = false;
};
