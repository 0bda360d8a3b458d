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
