// Shared behaviour for every page (htmx does most of the work).
(function () {
  "use strict";

  // Forms that tell the server the person's own time zone (for the times in their emails) carry an
  // empty <input data-browser-zone>; without JavaScript it stays empty and the event's zone is used.
  function fillBrowserZone(root) {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return;
    }
    Array.prototype.forEach.call(root.querySelectorAll("input[data-browser-zone]"), function (input) {
      if (!input.value) input.value = zone;
    });
  }

  fillBrowserZone(document);
  // A form htmx swapped in (re-rendered with its errors) gets it again.
  document.addEventListener("htmx:after:swap", function () { fillBrowserZone(document); });
})();
