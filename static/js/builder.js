// Drag a session card onto an empty cell to move it there. It fills the hidden move form and submits it,
// so htmx sends the same request as the editor's move form (which works with the keyboard and without JS).
(function () {
  "use strict";
  let dragged = null;

  function cellOf(target) {
    return target instanceof Element ? target.closest("#builder-grid td[data-start]") : null;
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
    const form = document.getElementById("drop-move-form");
    if (!dragged || !cell || !form) return;
    event.preventDefault();
    form.setAttribute("action", dragged.dataset.moveUrl);
    form.setAttribute("hx-post", dragged.dataset.moveUrl);
    form.elements.room_id.value = cell.dataset.roomId;
    form.elements.start.value = cell.dataset.start;
    if (window.htmx && typeof window.htmx.process === "function") window.htmx.process(form);
    form.requestSubmit();
  });
})();
