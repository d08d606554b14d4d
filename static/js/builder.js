// The builder grid with a mouse and with the keyboard. Both fill the hidden move form and submit it, so
// htmx sends the same request as the editor's move form (which also works without JavaScript).
// - Drag a session card onto an empty cell to move it there.
// - On a card's link, Alt + Up/Down moves the session 15 minutes earlier/later, Alt + Left/Right to the
//   room before/after; focus stays on the moved card.
// - Click an empty cell to start a new session there (the "Add a session" form is filled in).
(function () {
  "use strict";
  const SLOT_MINUTES = 15;
  let dragged = null;
  let focusAfterSwap = null;

  function cellOf(target) {
    return target instanceof Element ? target.closest("#builder-grid td[data-start]") : null;
  }

  function announce(message) {
    const status = document.getElementById("builder-announce");
    if (status) status.textContent = message;
  }

  function submitMove(card, roomId, start) {
    const form = document.getElementById("drop-move-form");
    if (!form) return;
    form.setAttribute("action", card.dataset.moveUrl);
    form.setAttribute("hx-post", card.dataset.moveUrl);
    form.elements.room_id.value = roomId;
    form.elements.start.value = start;
    if (window.htmx && typeof window.htmx.process === "function") window.htmx.process(form);
    form.requestSubmit();
  }

  function minutesOf(clock) {
    const parts = clock.split(":");
    return Number(parts[0]) * 60 + Number(parts[1]);
  }

  function clockOf(minutes) {
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return String(hours).padStart(2, "0") + ":" + String(rest).padStart(2, "0");
  }

  document.addEventListener("dragstart", function (event) {
    const card = event.target instanceof Element ? event.target.closest(".session-card[data-move-url]") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.sessionId);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (cell) { cell.classList.remove("drop-target"); });
  });

  document.addEventListener("dragover", function (event) {
    const cell = cellOf(event.target);
    if (!dragged || !cell) return;
    event.preventDefault();
    cell.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    const cell = cellOf(event.target);
    if (cell) cell.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    const cell = cellOf(event.target);
    if (!dragged || !cell) return;
    event.preventDefault();
    focusAfterSwap = dragged.dataset.sessionId;
    submitMove(dragged, cell.dataset.roomId, cell.dataset.start);
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(event.key)) return;
    const card = event.target instanceof Element ? event.target.closest(".session-card[data-move-url]") : null;
    const cell = card ? card.closest("td[data-start]") : null;
    if (!card || !cell) return;
    event.preventDefault();
    const columns = Array.from(document.querySelectorAll("#builder-grid thead th[data-room-id]"))
      .map(function (header) { return header.dataset.roomId; });
    let roomIndex = columns.indexOf(cell.dataset.roomId);
    let start = minutesOf(card.dataset.start || cell.dataset.start);
    if (event.key === "ArrowUp") start = Math.max(0, start - SLOT_MINUTES);
    if (event.key === "ArrowDown") start = Math.min(24 * 60 - SLOT_MINUTES, start + SLOT_MINUTES);
    if (event.key === "ArrowLeft") roomIndex = Math.max(0, roomIndex - 1);
    if (event.key === "ArrowRight") roomIndex = Math.min(columns.length - 1, roomIndex + 1);
    focusAfterSwap = card.dataset.sessionId;
    submitMove(card, columns[roomIndex] || "", clockOf(start));
  });

  document.addEventListener("click", function (event) {
    const cell = event.target instanceof Element ? event.target.closest("#builder-grid td.slot-empty") : null;
    const form = document.querySelector("#session-create form");
    if (!cell || !form) return;
    const start = minutesOf(cell.dataset.start);
    form.elements.room_id.value = cell.dataset.roomId;
    form.elements.day.value = document.getElementById("drop-move-form").elements.day.value;
    form.elements.start.value = cell.dataset.start;
    form.elements.end.value = clockOf(Math.min(start + 60, 24 * 60 - 1));
    const folded = form.closest("details");
    if (folded) folded.open = true;
    form.scrollIntoView({ block: "nearest" });
    form.elements.title.focus();
  });

  // The speaker picker: a search box keeps the options of its list that match what was typed.
  document.addEventListener("input", function (event) {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.filters) return;
    const list = document.getElementById(box.dataset.filters);
    if (!list) return;
    const wanted = box.value.trim().toLocaleLowerCase();
    let first = null;
    Array.from(list.options).forEach(function (option) {
      if (!option.value) return;
      const matches = option.textContent.toLocaleLowerCase().includes(wanted);
      option.hidden = !matches;
      if (matches && !first) first = option;
    });
    if (wanted && first) list.value = first.value;
    if (!wanted) list.value = "";
  });

  document.addEventListener("htmx:after:settle", function () {
    if (!focusAfterSwap) return;
    const link = document.querySelector('.session-card[data-session-id="' + focusAfterSwap + '"] .card-title a');
    focusAfterSwap = null;
    if (!link) return;
    link.focus();
    const card = link.closest(".session-card");
    announce(card.getAttribute("aria-label") || card.textContent.replace(/\s+/g, " ").trim());
  });
})();
