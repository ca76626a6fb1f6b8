"use strict";
// The console's sound: each new result plays a tone rhythm of its own, made
// in the browser with the Web Audio API (no files, no network), the same
// rhythm the gate's buzzer beeps (drivers/gate DefaultBeeps: "." short,
// "-" long, " " a pause), so a guard looking at the person still knows the
// result. With console.voice = true a spoken prompt follows the tones: a
// clip shipped with the console (voice/, made by voice/make-clips.sh).
//
// console.js calls window.kakouSound(kakouSound.newest(state)) on every
// render; only an entry id not heard before sounds, and a new one cuts the last
// rhythm short, like the buzzer on a busy lane. window.kakouSound.last
// says what was scheduled, for the tests (headless browsers may not play
// audio, but they schedule it); .state() and .context() show the audio
// context, which a test suspends as a phone's browser starts it.
(function () {
  const rhythms = { allow: ".", recheck: "..", register: ".-", wait: ". . .", deny: "--", refer: "---", persuade_return: "-..", hold: ".--" };
  // Pitch says the colour: high for a pass, middle for "the guard must act",
  // low and harsh for a refusal.
  const voices = {
    allow: { freq: 880, type: "sine" },
    recheck: { freq: 660, type: "triangle" }, register: { freq: 660, type: "triangle" }, wait: { freq: 660, type: "triangle" },
    deny: { freq: 330, type: "square" }, refer: { freq: 330, type: "square" }, persuade_return: { freq: 330, type: "square" },
  };
  const SHORT = 0.12, LONG = 0.45, GAIN = 0.25; // seconds; the buzzer's long beep is a full second
  const clips = {}; // decision -> Promise<AudioBuffer|null>
  let ctx = null, playing = [], heard = null, heardSeq = -1, voiceOn = false;

  // tones turns a rhythm into [start, end] pairs in seconds from 0, the way
  // the gate's buzzer reads it: beeps side by side are parted by a short gap.
  function tones(rhythm) {
    const out = [];
    let t = 0;
    for (let i = 0; i < rhythm.length; i++) {
      const c = rhythm[i];
      if (c === " ") { t += LONG; continue; }
      if (i > 0 && rhythm[i - 1] !== " ") t += SHORT;
      const d = c === "." ? SHORT : LONG;
      out.push([t, t + d]);
      t += d;
    }
    return out;
  }

  function audio() {
    if (ctx) return ctx;
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    ctx = new AC();
    ctx.onstatechange = showButton;
    showButton();
    return ctx;
  }

  // Browsers keep audio off until the page is touched: one tap turns it on.
  let button = null;
  function showButton() {
    const off = ctx && ctx.state === "suspended";
    if (!button && !off) return;
    if (!button) {
      button = document.createElement("button");
      button.id = "sound-on";
      button.type = "button";
      button.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:10;font-size:1.6rem;padding:.8rem 1.4rem;" +
        "border-radius:1rem;border:0;background:#f9fafb;color:#111827;box-shadow:0 0 0 4px #b86e00";
      button.onclick = () => { audio().resume().then(showButton); };
      document.body.appendChild(button);
    }
    button.textContent = document.documentElement.lang === "en" ? "Turn sound on" : "开启声音";
    button.hidden = !off;
  }

  function clip(decision) {
    if (!clips[decision]) {
      clips[decision] = fetch("static/voice/" + decision + ".wav")
        .then(r => r.ok ? r.arrayBuffer() : Promise.reject(new Error(r.status)))
        .then(b => ctx.decodeAudioData(b))
        .catch(() => { delete clips[decision]; return null; });
    }
    return clips[decision];
  }

  function cut() {
    const n = playing.length;
    for (const node of playing) { try { node.stop(); } catch (e) { /* already ended */ } }
    playing = [];
    return n;
  }

  function play(entry) {
    const rhythm = rhythms[entry.decision];
    const last = { id: entry.id, pattern: rhythm ? entry.decision : null, rhythm: rhythm || "", tones: [], voice: null, cut: 0, state: "" };
    const ac = audio();
    last.state = ac ? ac.state : "unsupported";
    last.cut = cut();
    if (!rhythm || !ac || ac.state === "suspended") return last; // a stale cue after the tap would mislead
    const t0 = ac.currentTime + 0.05, v = voices[entry.decision];
    let end = t0;
    for (const [a, b] of tones(rhythm)) {
      const osc = ac.createOscillator(), gain = ac.createGain();
      osc.type = v.type; osc.frequency.value = v.freq;
      gain.gain.setValueAtTime(GAIN, t0 + a);
      gain.gain.setTargetAtTime(0, t0 + b - 0.02, 0.005); // no click at the end
      osc.connect(gain).connect(ac.destination);
      osc.start(t0 + a); osc.stop(t0 + b);
      playing.push(osc);
      last.tones.push({ start: +(a).toFixed(3), end: +(b).toFixed(3), freq: v.freq });
      end = t0 + b;
    }
    if (voiceOn) {
      last.voice = "static/voice/" + entry.decision + ".wav";
      const id = entry.id;
      clip(entry.decision).then(buf => {
        if (!buf || heard !== id) return; // a newer result came first
        const src = ac.createBufferSource();
        src.buffer = buf;
        src.connect(ac.destination);
        src.start(Math.max(end + 0.15, ac.currentTime));
        playing.push(src);
      });
    }
    return last;
  }

  // newest is the latest decision in a /api/state answer, whichever result
  // the guard has on screen: like the buzzer, the sound follows the lane.
  function newest(s) {
    const all = [...(s.open || []), ...(s.recent || [])].map(x => x.entry);
    if (s.held) all.push(s.held.entry);
    return all.reduce((a, b) => !a || b.seq > a.seq ? b : a, null);
  }

  // The latest result when the page opens was heard already (or by
  // nobody); it must not sound on every reload.
  const ready = fetch("api/state", { cache: "no-store" })
    .then(r => r.ok ? r.json() : {})
    .then(s => { voiceOn = !!s.voice; const e = newest(s); if (heard === null && e) { heard = e.id; heardSeq = e.seq; } })
    .catch(() => {});

  window.kakouSound = function (entry) {
    return ready.then(() => {
      // An entry no newer than the last heard (the guard picked an older
      // result from the strip) was sounded when it was decided.
      if (!entry || !entry.id || entry.id === heard || entry.seq <= heardSeq) return window.kakouSound.last;
      heard = entry.id;
      if (typeof entry.seq === "number") heardSeq = entry.seq;
      window.kakouSound.last = play(entry);
      return window.kakouSound.last;
    });
  };
  window.kakouSound.last = null;
  window.kakouSound.rhythms = rhythms;
  window.kakouSound.newest = newest;
  window.kakouSound.state = () => ctx ? ctx.state : "none";
  window.kakouSound.context = () => ctx;

  new MutationObserver(showButton).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  // Create the context at once, so a suspended one shows the button before
  // the first result needs it.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", audio);
  else audio();
})();
