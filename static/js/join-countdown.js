// The waiting page of a personal join link (templates/live/join.html): a clock counting down to the
// session's start, and a reload when the link opens, which then leads to the stream. Without this
// script the page says the same in words and reloads itself (a <noscript> refresh).
// The times are seconds from when the server wrote the page, so a computer's wrong clock changes nothing.
(function () {
  "use strict";
  const box = document.querySelector("[data-join-opens-in]");
  if (!box) return;
  const loaded = Date.now();
  const opensAt = loaded + 1000 * Number(box.dataset.joinOpensIn);
  const startsAt = loaded + 1000 * Number(box.dataset.joinStartsIn);
  const clock = box.querySelector("[data-join-clock]");
  if (Number.isNaN(opensAt) || Number.isNaN(startsAt)) return;

  function two(value) {
    return String(value).padStart(2, "0");
  }

  function tick() {
    const now = Date.now();
    if (now >= opensAt) {
      window.location.reload();
      return;
    }
    if (clock) {
      const left = Math.max(0, Math.floor((startsAt - now) / 1000));
      const hours = Math.floor(left / 3600);
      clock.textContent = "(" + hours + ":" + two(Math.floor((left % 3600) / 60)) + ":" + two(left % 60) + ")";
      clock.hidden = false;
    }
    window.setTimeout(tick, Math.min(1000, opensAt - now));
  }

  tick();
})();
