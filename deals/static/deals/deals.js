// The kanban board and the deal card: drag and drop between stages (SortableJS), the same
// moves from the keyboard, the lost-reason dialog, the client picker, stage colours.
// No inline script or style: behaviour hangs on data- attributes (the CSP forbids the rest).
(function () {
  "use strict";

  // Stage colours come as data-color; a CSS custom property carries them (CSSOM, not markup).
  function paint(root) {
    root.querySelectorAll("[data-color]").forEach(function (el) {
      if (/^#[0-9a-fA-F]{6}$/.test(el.dataset.color)) el.style.setProperty("--stage", el.dataset.color);
    });
  }
  paint(document);

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  // The client picker: suggestions come from the server; picking one fills the hidden id.
  document.addEventListener("click", function (event) {
    const pick = event.target.closest("[data-contact]");
    if (!pick) return;
    const picker = pick.closest("[data-contact-picker]");
    if (!picker) return;
    picker.querySelector("[data-contact-id]").value = pick.dataset.contact;
    picker.querySelector("[data-contact-name]").value = pick.dataset.name;
    picker.querySelector("[data-contact-suggest]").innerHTML = "";
    picker.querySelector("[data-contact-name]").focus();
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-contact-name]")) {
      const picker = event.target.closest("[data-contact-picker]");
      picker.querySelector("[data-contact-id]").value = "";
    }
  });
  document.addEventListener("keydown", function (event) {
    const picker = event.target.closest && event.target.closest("[data-contact-picker]");
    if (!picker) return;
    const items = Array.from(picker.querySelectorAll("[data-contact]"));
    const at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && items.length) { event.preventDefault(); items[Math.min(at + 1, items.length - 1)].focus(); }
    if (event.key === "ArrowUp" && at >= 0) { event.preventDefault(); (at > 0 ? items[at - 1] : picker.querySelector("[data-contact-name]")).focus(); }
    if (event.key === "Escape") picker.querySelector("[data-contact-suggest]").innerHTML = "";
  });

  const board = document.getElementById("board");
  if (!board) return;
  const status = document.getElementById("board-status");
  const dialog = document.getElementById("loss-dialog");
  const lists = Array.from(board.querySelectorAll("ol.cards[data-stage]"));

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function moveUrl(dealId) { return board.dataset.moveUrl.replace("/0/", "/" + dealId + "/"); }

  function askLossReason() {
    // Resolves with {reason, comment}, or null when the person cancels.
    return new Promise(function (resolve) {
      const form = dialog.querySelector("form");
      const error = dialog.querySelector("#loss-error");
      form.reset();
      error.hidden = true;
      function done(event) {
        const value = event.submitter ? event.submitter.value : "cancel";
        if (value === "confirm" && !form.loss_reason.value) {
          event.preventDefault();
          error.hidden = false;
          form.loss_reason.focus();
          return;
        }
        form.removeEventListener("submit", done);
        dialog.removeEventListener("cancel", cancel);
        resolve(value === "confirm" ? { reason: form.loss_reason.value, comment: form.loss_comment.value } : null);
      }
      function cancel() {
        form.removeEventListener("submit", done);
        dialog.removeEventListener("cancel", cancel);
        resolve(null);
      }
      form.addEventListener("submit", done);
      dialog.addEventListener("cancel", cancel);
      dialog.showModal();
      form.loss_reason.focus();
    });
  }

  function updateColumns(columns) {
    Object.keys(columns).forEach(function (stage) {
      const count = board.querySelector('[data-count="' + stage + '"]');
      const sums = board.querySelector('[data-sums="' + stage + '"]');
      if (count) count.textContent = columns[stage].count;
      if (sums) sums.textContent = columns[stage].sums || "—";
    });
  }

  // Move a deal's card to a stage on the server; on refusal the card goes back where it was.
  async function move(card, target, putBack) {
    const stage = target.dataset.stage;
    const body = new FormData();
    body.append("stage", stage);
    body.append("filters", board.dataset.filters || "");
    if (target.dataset.kind === "lost") {
      const answer = await askLossReason();
      if (!answer) { putBack(); say(board.dataset.cancelled || ""); card.focus(); return; }
      body.append("loss_reason", answer.reason);
      body.append("loss_comment", answer.comment);
    }
    card.classList.add("moving");
    try {
      const response = await fetch(moveUrl(card.dataset.deal), {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok || !data.ok) { putBack(); say(data.error || response.statusText, true); return; }
      card.dataset.stage = stage;
      const select = card.querySelector("[data-move-select]");
      if (select) syncSelect(select, stage);
      updateColumns(data.columns);
      say(data.message, false);
    } catch (e) {
      putBack();
      say(board.dataset.failed || String(e), true);
    } finally {
      card.classList.remove("moving");
    }
  }

  function syncSelect(select, stage) {
    if (!select) return;
    Array.from(select.options).forEach(function (option) {
      const here = option.value === String(stage);
      option.selected = here;
      option.textContent = here ? board.dataset.here : "→ " + option.dataset.name;
    });
  }
  function listOf(stage) { return board.querySelector('ol.cards[data-stage="' + stage + '"]'); }

  // "Move to…" on a card: one select shared by every card through a <template>, put in the
  // card when it gets focus or the pointer (a board of hundreds of cards renders none).
  const moveTemplate = document.getElementById("move-template");
  function equip(card) {
    const slot = card && card.querySelector("[data-move-slot]");
    if (!slot || !moveTemplate || slot.firstChild) return;
    slot.appendChild(moveTemplate.content.cloneNode(true));
    const select = slot.querySelector("select");
    const label = slot.querySelector("label");
    select.id = "move-" + card.dataset.deal;
    label.htmlFor = select.id;
    label.textContent = board.dataset.here + " " + card.querySelector(".deal-title").textContent;
    syncSelect(select, card.dataset.stage);
  }
  board.addEventListener("focusin", function (event) { equip(event.target.closest(".deal-card")); });
  board.addEventListener("pointerover", function (event) { equip(event.target.closest(".deal-card")); });

  // A move chosen without the mouse: the card goes to the top of the target column and keeps focus.
  function moveByKeyboard(card, target) {
    if (!target || target.dataset.stage === card.dataset.stage) return;
    const from = card.parentElement;
    const next = card.nextElementSibling;
    target.prepend(card);
    card.focus();
    move(card, target, function () {
      from.insertBefore(card, next);
      card.dataset.stage = from.dataset.stage;
      syncSelect(card.querySelector("[data-move-select]"), from.dataset.stage);
      card.focus();
    });
  }

  board.addEventListener("change", function (event) {
    const select = event.target.closest("[data-move-select]");
    if (!select) return;
    const card = select.closest(".deal-card");
    moveByKeyboard(card, listOf(select.value));
  });

  board.addEventListener("keydown", function (event) {
    const card = event.target.classList && event.target.classList.contains("deal-card") ? event.target : null;
    if (!card) return;
    const at = lists.indexOf(card.parentElement);
    if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      event.preventDefault();
      moveByKeyboard(card, lists[at + (event.key === "ArrowRight" ? 1 : -1)]);
    } else if (!event.shiftKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const sibling = event.key === "ArrowDown" ? card.nextElementSibling : card.previousElementSibling;
      if (sibling) sibling.focus();
    } else if (!event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      event.preventDefault();
      const list = lists[at + (event.key === "ArrowRight" ? 1 : -1)];
      const first = list && list.querySelector(".deal-card");
      if (first) first.focus();
    } else if (event.key === "Enter") {
      const link = card.querySelector(".deal-title");
      if (link) link.click();
    }
  });

  // Cards loaded by "More deals" get their colours.
  document.addEventListener("htmx:afterSwap", function (event) { paint(event.target); });

  if (window.Sortable && board.dataset.canMove !== "0") {
    lists.forEach(function (list) {
      window.Sortable.create(list, {
        group: "deals",
        sort: false,
        animation: 150,
        forceFallback: true,
        fallbackOnBody: true,
        filter: ".card-move, select, a",
        preventOnFilter: false,
        ghostClass: "drag-ghost",
        chosenClass: "drag-chosen",
        onEnd: function (evt) {
          if (evt.from === evt.to) return;
          const card = evt.item;
          move(card, evt.to, function () {
            evt.from.insertBefore(card, evt.from.children[evt.oldIndex] || null);
          });
        },
      });
    });
  }
})();
