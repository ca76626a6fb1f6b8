"use strict";
// The vehicle lane (车辆通道): the plate in big type, the people in the
// vehicle with each one's result, and the vehicle's own result; a field
// for the guard to type the plate when no camera read it, and a button to
// let the vehicle through or turn it back. Kept apart from console.js: it
// reads api/vehicle itself (404: a lane for people, and the panel stays
// away) and the language from <html lang>.
(() => {
  const V = {
    zh: { title: "车辆通道", plate: "车牌号", enter: "录入车牌", close: "车辆放行 / 结束", none: "等待车辆",
          driver: "司机", passenger: "乘车人", occupants: "车内人员（四件套）", noOccupants: "请逐一扫码测温",
          camera: "识别", guard: "手录",
          kinds: { resident: "本小区车辆", supply: "保供车辆", outside: "外来车辆", unknown: "待查验" },
          decisions: { allow: "放行", persuade_return: "劝返", deny: "不予放行", register: "请登记", recheck: "复测", refer: "转诊", wait: "等候" },
          closed: "已记录" },
    en: { title: "Vehicle lane", plate: "Plate", enter: "Enter plate", close: "Let through / end", none: "Waiting for a vehicle",
          driver: "Driver", passenger: "Passenger", occupants: "People in the vehicle (four musts)", noOccupants: "Scan and measure each person",
          camera: "camera", guard: "typed",
          kinds: { resident: "Resident vehicle", supply: "Supply vehicle", outside: "Outside vehicle", unknown: "Not yet known" },
          decisions: { allow: "ALLOW", persuade_return: "TURN BACK", deny: "DENY", register: "REGISTER", recheck: "RE-CHECK", refer: "REFER", wait: "WAIT" },
          closed: "recorded" },
  };
  const $ = id => document.getElementById(id);
  const el = (tag, attrs = {}, ...kids) => { const e = Object.assign(document.createElement(tag), attrs); e.append(...kids); return e; };
  const t = () => V[document.documentElement.lang === "en" ? "en" : "zh"];
  const tone = d => d === "allow" ? "allow" : (d === "deny" || d === "refer" || d === "persuade_return") ? "deny" : "warn";
  let vehicle = null;

  const panel = el("section", { className: "panel", id: "vehicle-panel", hidden: true },
    el("h2", { id: "veh-title" }),
    el("div", { id: "veh-plate", style: "font-size:clamp(3rem,12vw,7rem);font-weight:800;letter-spacing:.05em" }),
    el("div", { id: "veh-kind", style: "font-size:1.6rem" }),
    el("div", { id: "veh-result", className: "chip", style: "display:inline-block;font-size:2.4rem;font-weight:800;margin:.4rem 0" }),
    el("div", { id: "veh-reasons" }),
    el("h2", { id: "veh-occ-title", style: "margin-top:.8rem" }), el("ol", { id: "veh-occupants" }),
    el("form", { id: "veh-form", autocomplete: "off" },
      el("input", { id: "veh-input", maxLength: 16, required: true, style: "font-size:1.8rem;width:12ch" }), " ",
      el("button", { id: "veh-enter", className: "go", type: "submit" })),
    el("button", { id: "veh-close", className: "stop", type: "button" }),
    el("div", { className: "err", id: "veh-error" }));
  $("result").before(panel);

  function draw() {
    const tt = t(), v = vehicle;
    $("veh-title").textContent = tt.title;
    $("veh-enter").textContent = tt.enter;
    $("veh-close").textContent = tt.close;
    $("veh-input").placeholder = tt.plate + " 粤B12345";
    $("veh-occ-title").textContent = tt.occupants;
    $("veh-plate").textContent = v ? v.plate : tt.none;
    $("veh-kind").textContent = v ? `${tt.kinds[v.kind] || v.kind} · ${v.source === "anpr" ? tt.camera : tt.guard}${v.closed ? " · " + tt.closed : ""}` : "";
    const r = $("veh-result");
    r.hidden = !v;
    if (v) { r.textContent = tt.decisions[v.decision] || v.decision; r.className = "chip " + tone(v.decision); r.style.background = `var(--${tone(v.decision)})`; }
    const zh = document.documentElement.lang !== "en";
    $("veh-reasons").textContent = v ? (v.reasons || []).map(x => zh ? x.zh : x.en).join(zh ? "；" : "; ") : "";
    const list = $("veh-occupants");
    list.replaceChildren(...(v ? v.occupants : []).map(e => el("li", { className: "veh-occupant " + tone(e.decision) },
      `${e.vehicle && e.vehicle.role === "driver" ? tt.driver : tt.passenger} · ${tt.decisions[e.decision] || e.decision}` +
      (e.temperature ? ` · ${e.temperature.corrected_c.toFixed(1)}°C` : "") +
      ` · ${(e.reasons || []).map(x => zh ? x.zh : x.en).join(zh ? "，" : ", ")}`)));
    if (v && !v.closed && v.occupants.length === 0) list.append(el("li", {}, tt.noOccupants));
    $("veh-close").hidden = !v || v.closed;
  }

  async function poll() {
    const r = await fetch("api/vehicle").catch(() => null);
    if (!r || r.status === 404) { panel.hidden = true; return; }
    panel.hidden = false;
    vehicle = (await r.json()).vehicle;
    draw();
  }

  async function post(path, body) {
    $("veh-error").textContent = "";
    const r = await fetch(path, { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": window.kakouCSRF || "" } });
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) {
      $("veh-error").textContent = (document.documentElement.lang === "en" && answer.error_en) || answer.error || r.statusText;
      return false;
    }
    vehicle = answer.vehicle;
    draw();
    return true;
  }

  $("veh-form").onsubmit = async ev => {
    ev.preventDefault();
    if (await post("api/vehicle/plate", { plate: $("veh-input").value.trim() })) $("veh-input").value = "";
  };
  $("veh-close").onclick = () => post("api/vehicle/close", {});
  new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  poll();
  setInterval(poll, 1000);
})();
