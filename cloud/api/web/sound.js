"use strict";
// The alert sound: a short tone, made with the Web Audio API (no file, no
// network), when a high-severity alert appears that this page has not
// seen before — a fever or a red code at a gate must reach an operator who
// is looking at another screen. Not for the alerts already open when the
// page loads (a reload must not sound the whole backlog), never twice for
// one alert, and not at all while muted; the mute button's choice is kept
// in localStorage for the next shift. It runs after dashboard.js and reads
// its state (data, errors, lang).
//
// Browsers keep audio off until the page is touched; the sound button is
// that touch as well. window.kakouAlertSound says what was played, for the
// tests (a headless browser schedules audio it may never play).

Object.assign(T.zh, { soundOn: "🔔 提示音", soundOff: "🔕 已静音", soundTip: "新的紧急告警（发热、红码）响铃提示；点击切换" });
Object.assign(T.en, { soundOn: "🔔 Sound", soundOff: "🔕 Muted", soundTip: "A tone for each new urgent alert (fever, red code); click to switch" });

const SOUND_KEY = "kakou-alert-sound";
// HIGH_KINDS are high severity when the collector says no severity.
const HIGH_KINDS = ["fever", "health_code_red"];
const snd = { ctx: null, seen: new Set(), primed: false };
window.kakouAlertSound = { played: 0, alerts: [] };

function muted() { return localStorage.getItem(SOUND_KEY) === "off"; }

function isHigh(a) { return a.severity ? a.severity === "high" : HIGH_KINDS.includes(a.kind); }

function audioContext() {
  if (!snd.ctx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (AC) snd.ctx = new AC();
  }
  return snd.ctx;
}

// tone plays two short beeps, high then higher: urgent, not shrill.
function tone() {
  const ctx = audioContext();
  if (!ctx) return false;
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  const t0 = ctx.currentTime;
  [[0, 880], [0.22, 1175]].forEach(([at, freq]) => {
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.001, t0 + at);
    gain.gain.exponentialRampToValueAtTime(0.3, t0 + at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.001, t0 + at + 0.18);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0 + at);
    osc.stop(t0 + at + 0.2);
  });
  return true;
}

// listen looks at the open alerts after each poll: the first answer only
// marks what is already open as seen; after it, a new high one sounds.
function listen() {
  if (errors.open !== null) return; // no answer yet, or the last one failed: nothing new is known
  const fresh = data.open.filter(a => !snd.seen.has(a.id));
  fresh.forEach(a => snd.seen.add(a.id));
  const high = fresh.filter(isHigh);
  if (snd.primed && high.length && !muted() && tone()) {
    window.kakouAlertSound.played++;
    window.kakouAlertSound.alerts.push(...high.map(a => a.id));
  }
  snd.primed = true;
}

function drawSoundButton() {
  const b = document.getElementById("sound");
  b.textContent = muted() ? t("soundOff") : t("soundOn");
  b.title = t("soundTip");
  b.setAttribute("aria-pressed", String(!muted()));
}

screens.push(() => { listen(); drawSoundButton(); });
document.getElementById("sound").addEventListener("click", () => {
  localStorage.setItem(SOUND_KEY, muted() ? "on" : "off");
  if (!muted()) { const ctx = audioContext(); if (ctx) ctx.resume().catch(() => {}); } // the touch audio waits for
  drawSoundButton();
});
