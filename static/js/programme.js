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

  document.addEventListener("DOMContentLoaded", setUpZoneButton);
  document.addEventListener("htmx:after:swap", syncHiddenFields);
})();
