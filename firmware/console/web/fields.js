"use strict";
// The visitor form's kinds of document, and each field's problem shown
// next to the field in the console's language. The unit checks every
// field (register.go); this page only shows what it says.
const FT = {
  zh: { idKind: "证件类型", idNumber: "证件号码", noIdReason: "无证件原因", fix: "请改正标出的项",
        kinds: { resident: "居民身份证", hkmo_permit: "港澳居民来往内地通行证", tw_permit: "台湾居民来往大陆通行证",
                 hmt_residence: "港澳台居民居住证", foreign_pr: "外国人永久居留身份证", passport: "护照", none: "无证件" },
        hints: { resident: "18 位，末位可为 X", hkmo_permit: "H 或 M 加 8 或 10 位数字", tw_permit: "8 位数字",
                 hmt_residence: "18 位，以 810000/820000/830000 开头", foreign_pr: "18 位，以 9 开头",
                 passport: "5–17 位字母或数字", none: "" },
        noIdHint: "如：老人未带证件", phoneHint: "11 位手机号；境外加 +852 等区号" },
  en: { idKind: "Document", idNumber: "Document number", noIdReason: "Why no ID", fix: "Correct the fields marked below",
        kinds: { resident: "Resident ID card", hkmo_permit: "HK/Macau residents' permit", tw_permit: "Taiwan residents' permit",
                 hmt_residence: "HK/Macau/Taiwan residence permit", foreign_pr: "Foreign permanent resident ID",
                 passport: "Passport", none: "No ID" },
        hints: { resident: "18 characters, the last may be X", hkmo_permit: "H or M and 8 or 10 digits", tw_permit: "8 digits",
                 hmt_residence: "18 characters starting 810000/820000/830000", foreign_pr: "18 characters starting with 9",
                 passport: "5-17 letters or digits", none: "" },
        noIdHint: "e.g. elderly, left ID at home", phoneHint: "11-digit mobile; abroad +852 etc." },
};

// fieldsLang is the language the console's page shows (console.js sets
// the document's lang when it renders).
function fieldsLang() { return document.documentElement.lang.startsWith("en") ? "en" : "zh"; }

// showFieldErrors puts each field's problem from a refused form's
// "fields" ({"phone": {"zh": …, "en": …}}) next to the form's element
// whose data-field names it, and clears the others; null clears them all.
function showFieldErrors(formId, fields, lang) {
  const form = document.getElementById(formId);
  if (!form) return;
  fields = fields || {};
  lang = lang === "en" ? "en" : "zh";
  form.dataset.fieldErrors = JSON.stringify(fields); // shown again when the language changes
  for (const el of form.querySelectorAll("[data-field]")) {
    const p = fields[el.dataset.field];
    let msg = document.getElementById(el.id + "-msg");
    if (!msg && p) {
      msg = document.createElement("div");
      msg.id = el.id + "-msg";
      msg.className = "field-msg";
      msg.setAttribute("role", "alert");
      el.insertAdjacentElement("afterend", msg);
      el.setAttribute("aria-describedby", msg.id);
    }
    if (msg) msg.textContent = p ? p[lang] || p.zh : "";
    el.classList.toggle("invalid", !!p);
    if (p) el.setAttribute("aria-invalid", "true"); else el.removeAttribute("aria-invalid");
  }
  const summary = form.querySelector(":scope > .err");
  if (summary && Object.keys(fields).length) summary.textContent = FT[lang].fix;
}

// labelFields writes the form's own labels, kinds and hints in the
// console's language, and shows the reason field only for "no ID".
function labelFields() {
  const t = FT[fieldsLang()];
  for (const el of document.querySelectorAll("[data-ft]")) el.textContent = t[el.dataset.ft];
  const kind = document.getElementById("reg-id-kind");
  if (!kind) return;
  for (const o of kind.options) o.textContent = t.kinds[o.value];
  const none = kind.value === "none", id = document.getElementById("reg-id");
  document.getElementById("reg-no-id").hidden = !none;
  id.disabled = none;
  if (none) id.value = "";
  id.placeholder = t.hints[kind.value] || "";
  document.getElementById("reg-no-id-reason").placeholder = t.noIdHint;
  document.getElementById("reg-phone").placeholder = t.phoneHint;
}

// relabel follows the console's language switch, problems shown included.
function relabel() {
  labelFields();
  for (const form of document.querySelectorAll("form[data-field-errors]"))
    showFieldErrors(form.id, JSON.parse(form.dataset.fieldErrors), fieldsLang());
}

new MutationObserver(relabel).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
document.getElementById("reg-id-kind").addEventListener("change", labelFields);
// A form reset (after a registration) puts the kind back without a change event.
document.getElementById("register").addEventListener("reset", () => setTimeout(() => {
  labelFields();
  showFieldErrors("register", null, fieldsLang());
}));
labelFields();
