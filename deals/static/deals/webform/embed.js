/* A CRM web form for any site: paste
 *   <div id="crm-form-KEY"></div><script src="https://crm.example/deals/leads/forms/KEY/embed.js" async></script>
 * and the form is drawn in the div (or right after the script) and sent to the CRM.
 * UTM tags of the page's address go with it. Built with DOM calls only: nothing the visitor
 * types is ever parsed as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var match = script.src.match(/\/forms\/([^/]+)\/embed\.js/);
  if (!match) { return; }
  var key = decodeURIComponent(match[1]);
  var config = (window.__crmWebFormConfig || {})[key] || { texts: {} };
  var t = config.texts;
  var submitUrl = script.src.replace(/embed\.js(\?.*)?$/, "submit/");
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"];

  var host = document.getElementById("crm-form-" + key);
  if (!host) {
    host = document.createElement("div");
    script.parentNode.insertBefore(host, script.nextSibling);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function style(node, rules) {
    Object.keys(rules).forEach(function (name) { node.style[name] = rules[name]; });
    return node;
  }

  var form = style(el("form", { "class": "crm-webform", novalidate: "novalidate" }), {
    display: "grid", gap: "10px", maxWidth: "420px", padding: "16px", border: "1px solid #d0d7de",
    borderRadius: "8px", fontFamily: "inherit", background: "#fff"
  });
  if (t.title) { form.appendChild(style(el("strong", {}, t.title), { fontSize: "1.1em" })); }
  var errorsByField = {};

  function field(name, label, type, multiline) {
    var id = "crm-" + key + "-" + name;
    var wrap = style(el("div"), { display: "grid", gap: "4px" });
    wrap.appendChild(el("label", { "for": id }, label));
    var input = multiline ? el("textarea", { id: id, name: name, rows: "3" }) : el("input", { id: id, name: name, type: type });
    style(input, { padding: "8px", border: "1px solid #b6bec8", borderRadius: "6px", font: "inherit" });
    wrap.appendChild(input);
    var error = style(el("span", { role: "alert" }), { color: "#b42318", fontSize: "0.9em" });
    wrap.appendChild(error);
    errorsByField[name] = error;
    form.appendChild(wrap);
    return input;
  }

  field("name", t.name || "Name", "text");
  field("phone", t.phone || "Phone", "tel");
  field("email", t.email || "E-mail", "email");
  field("message", t.message || "Message", "text", true);

  // Off-screen, out of the tab order and hidden from screen readers: only a bot fills it.
  var trap = style(el("div", { "aria-hidden": "true" }), { position: "absolute", left: "-10000px", width: "1px", height: "1px", overflow: "hidden" });
  trap.appendChild(el("input", { type: "text", name: "website", tabindex: "-1", autocomplete: "off" }));
  form.appendChild(trap);

  var general = style(el("div", { role: "alert" }), { color: "#b42318" });
  form.appendChild(general);
  var button = style(el("button", { type: "submit" }, t.send || "Send"), {
    padding: "10px 16px", border: "0", borderRadius: "6px", background: "#2563eb", color: "#fff",
    font: "inherit", cursor: "pointer"
  });
  form.appendChild(button);
  host.appendChild(form);

  function clearErrors() {
    general.textContent = "";
    Object.keys(errorsByField).forEach(function (name) { errorsByField[name].textContent = ""; });
  }

  function showErrors(errors) {
    Object.keys(errors || {}).forEach(function (name) {
      var target = errorsByField[name] || general;
      target.textContent = errors[name].join(" ");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var data = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (input) {
      if (input.name) { data.append(input.name, input.value); }
    });
    if (!form.elements.phone.value.trim() && !form.elements.email.value.trim()) {
      general.textContent = t.contact_needed || "";
      return;
    }
    var query = new URLSearchParams(window.location.search);
    UTM.forEach(function (name) { if (query.get(name)) { data.append(name, query.get(name)); } });
    var lang = (document.documentElement.getAttribute("lang") || "").slice(0, 8);
    if (lang) { data.append("language", lang); }
    button.disabled = true;
    button.textContent = t.sending || "…";
    fetch(submitUrl, { method: "POST", body: data, mode: "cors", credentials: "omit" })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        if (result.body && result.body.ok) {
          var thanks = style(el("p", { role: "status", "class": "crm-webform-thanks" }, result.body.message), { padding: "16px" });
          host.replaceChild(thanks, form);
          return;
        }
        showErrors(result.body && result.body.errors);
        if (!general.textContent && result.body) { general.textContent = result.body.detail || t.failed; }
        button.disabled = false;
        button.textContent = t.send || "Send";
      })
      .catch(function () {
        general.textContent = t.failed || "Error";
        button.disabled = false;
        button.textContent = t.send || "Send";
      });
  });
})();
