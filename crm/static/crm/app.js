// Small conveniences for people who work in the CRM all day.
document.addEventListener("keydown", (event) => {
  // "/" jumps to the global search box, as in most work tools.
  const tag = (event.target.tagName || "").toLowerCase();
  if (event.key === "/" && !["input", "textarea", "select"].includes(tag) && !event.target.isContentEditable) {
    const box = document.getElementById("global-search");
    if (box) { event.preventDefault(); box.focus(); }
  }
  if (event.key === "Escape") {
    document.querySelectorAll("details.menu[open]").forEach((d) => d.removeAttribute("open"));
  }
});
// Close an open menu when clicking elsewhere.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.menu[open]").forEach((d) => {
    if (!d.contains(event.target)) d.removeAttribute("open");
  });
});

// The pages carry no inline script (the Content-Security-Policy forbids it, see
// docs/security.md): what the templates used to say in <script> blocks and hx-on attributes
// lives here, keyed on ids and data attributes.

// Ctrl+Enter saves from anywhere in a form marked data-ctrl-enter (tasks, notes, parties).
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const form = event.target.closest && event.target.closest("form[data-ctrl-enter]");
  if (form) { event.preventDefault(); form.requestSubmit(); }
});

// The bell polls every 10 s, but not while its menu is open under the person's pointer;
// a change they made themselves (notifications-changed) refreshes it all the same.
document.addEventListener("htmx:confirm", (event) => {
  const elt = event.detail.elt;
  const trigger = event.detail.triggeringEvent;
  if (elt.id === "bell" && elt.querySelector("details[open]") && !(trigger && trigger.type === "notifications-changed")) {
    event.preventDefault();
  }
});

// Forms that answer 400 with their errors (the note form, consents) show them in place.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 400 && event.target.closest("[data-swap-errors]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A note that was saved clears the box for the next one.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form && form.id === "note-form" && event.detail.successful) {
    form.reset();
    const box = form.querySelector("textarea");
    if (box) box.focus();
  }
});

// "Add another phone / e-mail": a copy of the formset's empty row, numbered after the last.
document.querySelectorAll("[data-formset]").forEach((set) => {
  const prefix = set.dataset.formset;
  const total = set.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  set.querySelector(".add-row").addEventListener("click", () => {
    const index = Number(total.value);
    const html = set.querySelector("template").innerHTML.replaceAll("__prefix__", index);
    set.querySelector(".point-rows").insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    set.querySelector(".point-rows").lastElementChild.querySelector("input").focus();
  });
});

// The company box: suggestions come from the server; picking one fills the hidden id.
const companyName = document.getElementById("id_company_name");
const companySuggest = document.getElementById("company-suggest");
if (companyName && companySuggest) {
  const companyId = document.getElementById("id_company");
  const box = companySuggest;
  companyName.addEventListener("input", () => { companyId.value = ""; });
  box.addEventListener("click", (event) => {
    const pick = event.target.closest("[data-company]");
    if (!pick) return;
    companyId.value = pick.dataset.company;
    companyName.value = pick.dataset.name;
    box.innerHTML = "";
    companyName.focus();
  });
  companyName.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { const first = box.querySelector("[data-company]"); if (first) { event.preventDefault(); first.focus(); } }
    if (event.key === "Escape") box.innerHTML = "";
  });
  box.addEventListener("keydown", (event) => {
    const items = [...box.querySelectorAll("[data-company]")];
    const at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < items.length - 1) { event.preventDefault(); items[at + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? items[at - 1] : companyName).focus(); }
    if (event.key === "Escape") { box.innerHTML = ""; companyName.focus(); }
  });
}
