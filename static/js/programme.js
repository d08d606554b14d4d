// Public programme: the "My time zone" button, and keeping the filter form in step with htmx swaps.
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function setUpZoneButton() {
    var button = document.getElementById("my-time-zone");
    var select = document.getElementById("field-tz");
    var zone = browserZone();
    if (!button || !select || !zone) return;
    var known = Array.prototype.some.call(select.options, function (option) { return option.value === zone; });
    if (!known) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      select.value = zone;
      var form = select.form;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  }

  // Day tabs and the grid/list switch swap only the grid; the form's hidden fields must follow,
  // or the next filter change would jump back to the previous day or view.
  function syncHiddenFields() {
    var grid = document.getElementById("programme-grid");
    var form = document.querySelector("form.programme-filters");
    if (!grid || !form) return;
    var day = form.querySelector("input[name=day]");
    var view = form.querySelector("input[name=view]");
    if (day && grid.dataset.day) day.value = grid.dataset.day;
    if (view && grid.dataset.view) view.value = grid.dataset.view;
  }

  // Phones: the list reads better than a sideways-scrolling grid, and the filters fold away. The page is
  // the same for every visitor (and cached as such), so the narrow-screen choices are made here; without
  // JavaScript the page shows the grid with the filters open, as asked.
  var NARROW = "(max-width: 640px)";

  function isNarrow() {
    return window.matchMedia && window.matchMedia(NARROW).matches;
  }

  function foldFiltersOnPhones() {
    var fold = document.getElementById("programme-filters-fold");
    if (!fold || !isNarrow()) return;
    var form = fold.querySelector("form");
    var filtered = Array.prototype.some.call(form ? form.elements : [], function (field) {
      return ["q", "track", "room", "kind"].indexOf(field.name) >= 0 && field.value;
    });
    if (!filtered) fold.open = false;
  }

  function listOnPhones() {
    var grid = document.getElementById("programme-grid");
    if (!grid || grid.dataset.view !== "grid" || !isNarrow()) return;
    // Only when the visitor did not choose a view: a link to ?view=grid keeps the grid.
    if (new URLSearchParams(window.location.search).has("view")) return;
    var list = grid.querySelector('.view-switch a[href*="view=list"]');
    if (!list) return;
    if (window.htmx && window.htmx.ajax) {
      window.htmx.ajax("GET", list.getAttribute("href"), {
        target: "#programme-grid",
        swap: "outerHTML",
        replace: list.getAttribute("href"),
      });
    } else {
      window.location.replace(list.href);
    }
  }

  // The sessions on now, marked in the grid and the list. The page is the same for every visitor and
  // cached per programme version, so "now" is the visitor's clock, checked each minute.
  function markSessionsOnNow() {
    var grid = document.getElementById("programme-grid");
    if (!grid) return;
    var label = grid.dataset.nowLabel || "Now";
    var now = Date.now();
    Array.prototype.forEach.call(grid.querySelectorAll(".session-card .session-time[data-end]"), function (when) {
      var card = when.closest(".session-card");
      var start = Date.parse(when.dataset.start);
      var end = Date.parse(when.dataset.end);
      var on = !card.classList.contains("is-cancelled") && start <= now && now < end;
      card.classList.toggle("is-now", on);
      var badge = card.querySelector(".badge.now");
      var time = when.querySelector("time");
      if (on && !badge && time) {
        badge = document.createElement("span");
        badge.className = "badge now";
        badge.textContent = label;
        time.parentNode.insertBefore(badge, time);
      } else if (!on && badge) {
        badge.remove();
      }
    });
  }

  // Rooms running late (said by their stage managers on the day): the moved sessions' expected times,
  // the scheduled ones struck through. Fetched apart, so the grid stays cached per programme version.
  function showLateSessions() {
    var grid = document.getElementById("programme-grid");
    if (!grid || !grid.dataset.lateUrl || !window.fetch || !window.Intl) return;
    var clock = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: grid.dataset.tz || undefined,
    });
    window.fetch(grid.dataset.lateUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (late) {
        if (!late) return;
        late.sessions.forEach(function (moved) {
          var when = grid.querySelector('.session-time[data-session-id="' + moved.id + '"]');
          var time = when && when.querySelector("time");
          if (!time) return;
          var scheduled = when.querySelector("del.scheduled");
          if (!scheduled) {
            scheduled = document.createElement("del");
            scheduled.className = "scheduled";
            scheduled.textContent = time.textContent;
            when.insertBefore(scheduled, time);
            when.insertBefore(document.createTextNode(" "), time);
          }
          time.textContent = clock.format(new Date(moved.start)) + "–" + clock.format(new Date(moved.end));
          time.setAttribute("datetime", moved.start);
          when.dataset.start = moved.start;
          when.dataset.end = moved.end;
          when.classList.add("is-late");
        });
        markSessionsOnNow();
      })
      .catch(function () { /* the scheduled times stay: nothing to correct */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showLateSessions();
    window.setInterval(showLateSessions, 60000);
    markSessionsOnNow();
    window.setInterval(markSessionsOnNow, 60000);
  });
  document.addEventListener("htmx:after:swap", markSessionsOnNow);
  document.addEventListener("htmx:after:swap", showLateSessions);
  document.addEventListener("DOMContentLoaded", setUpZoneButton);
  document.addEventListener("DOMContentLoaded", foldFiltersOnPhones);
  document.addEventListener("DOMContentLoaded", listOnPhones);
  document.addEventListener("htmx:after:swap", syncHiddenFields);
})();
