// The question pages live: the audience's, the moderator's and the projector's. Changes arrive as
// server-sent events (each with the session's revision as its id, so a reconnecting page resumes where
// it stopped); forms post in the background. Text from people is only ever set with textContent.
(function () {
  "use strict";

  var root = document.getElementById("audience");
  if (!root || !root.dataset.liveStream) return;
  var mode = root.dataset.mode;
  var origins = JSON.parse(root.dataset.origins || "{}");
  var talks = JSON.parse(root.dataset.talks || "{}");
  var revision = parseInt(root.dataset.revision || "0", 10);
  var statusLine = root.querySelector("[data-live-status]");
  var announcer = root.querySelector("[data-announcer]");
  var source = null;

  function label(name) {
    return root.dataset["label" + name] || "";
  }

  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function setField(scope, name, value) {
    scope.querySelectorAll('[data-field="' + name + '"]').forEach(function (element) {
      element.textContent = value;
    });
  }

  function csrfToken() {
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  // Questions -----------------------------------------------------------------------------------

  function listFor(state) {
    if (mode === "moderation" && state === "held") return document.getElementById("held-questions");
    if (mode === "moderation" && state === "hidden") return document.getElementById("hidden-questions");
    return document.getElementById("question-list");
  }

  function fillQuestion(item, q) {
    item.id = "question-" + q.id;
    item.dataset.id = q.id;
    item.dataset.rev = q.rev;
    item.dataset.votes = q.votes;
    item.dataset.asked = q.asked_at;
    item.dataset.state = q.state;
    item.dataset.pinned = q.pinned ? "true" : "false";
    item.className = "question state-" + q.state + (q.pinned ? " pinned" : "");
    setField(item, "id", String(q.id));
    setField(item, "text", q.text);
    setField(item, "name", q.name || "");
    setField(item, "origin", origins[q.origin] || "");
    setField(item, "talk", (q.talk_id && talks[q.talk_id]) || "");
    item.querySelectorAll("[data-count]").forEach(function (element) {
      element.dataset.count = "q" + q.id;
      element.textContent = q.votes;
    });
    // setAttribute, not form.action: a form with a button named "action" hides that property.
    item.querySelectorAll("form[data-action-template]").forEach(function (form) {
      form.setAttribute("action", form.dataset.actionTemplate.replace("__ID__", q.id));
    });
    item.querySelectorAll('input[name="into"]').forEach(function (input) { input.id = "merge-" + q.id; });
    item.querySelectorAll('label[for^="merge-"]').forEach(function (element) { element.htmlFor = "merge-" + q.id; });
  }

  function fromTemplate(id) {
    var template = document.getElementById(id);
    return template ? template.content.firstElementChild.cloneNode(true) : null;
  }

  function byOrder(order) {
    return function (a, b) {
      var pinned = (b.dataset.pinned === "true") - (a.dataset.pinned === "true");
      if (pinned) return pinned;
      var answered = (a.dataset.state === "answered") - (b.dataset.state === "answered");
      if (answered) return answered;
      if (order === "time") return a.dataset.asked < b.dataset.asked ? 1 : -1;
      var votes = parseInt(b.dataset.votes, 10) - parseInt(a.dataset.votes, 10);
      if (votes) return votes;
      return a.dataset.asked < b.dataset.asked ? -1 : 1;
    };
  }

  function sortList(list) {
    // Moving what holds the keyboard focus would lose it: a moderator's list waits until they leave it.
    if (!list || list.contains(document.activeElement)) return;
    var items = Array.prototype.slice.call(list.children);
    var sorted = items.slice().sort(byOrder(root.dataset.sort));
    if (sorted.every(function (item, index) { return item === items[index]; })) return;
    sorted.forEach(function (item) { list.appendChild(item); });
  }

  function updateEmpty() {
    var list = document.getElementById("question-list");
    var note = root.querySelector("[data-empty-note]");
    if (note && list) note.hidden = list.children.length > 0;
  }

  function updateOwn() {
    var section = root.querySelector("[data-own-section]");
    var own = document.getElementById("own-questions");
    if (section && own) section.hidden = own.children.length === 0;
  }

  function upsertQuestion(q) {
    var item = document.getElementById("question-" + q.id);
    if (item && parseInt(item.dataset.rev, 10) > q.rev) return;
    var own = document.getElementById("own-questions");
    if (item && own && own.contains(item)) {
      item.remove();
      item = null;
      updateOwn();
    }
    var isNew = !item;
    if (!item) item = fromTemplate("question-template");
    if (!item) return;
    fillQuestion(item, q);
    var list = listFor(q.state);
    if (list && item.parentNode !== list) list.appendChild(item);
    sortList(list);
    updateEmpty();
    if (isNew) announce(label("NewQuestion") + " " + q.text);
  }

  function removeQuestion(data) {
    var item = document.getElementById("question-" + data.id);
    if (item && parseInt(item.dataset.rev, 10) <= data.rev) item.remove();
    updateEmpty();
    updateOwn();
  }

  function addOwn(q) {
    var own = document.getElementById("own-questions");
    var item = fromTemplate("own-question-template");
    if (!own || !item || document.getElementById("question-" + q.id)) return;
    fillQuestion(item, q);
    own.appendChild(item);
    updateOwn();
  }

  // Projector ------------------------------------------------------------------------------------

  function projectQuestion(q, gone) {
    var box = document.getElementById("projector-question");
    if (!box) return;
    var shown = box.dataset.questionId;
    if (!gone && q.pinned && q.state === "visible") {
      box.dataset.questionId = q.id;
      setField(box, "text", q.text);
      setField(box, "name", q.name || "");
      setField(box, "origin", origins[q.origin] || "");
      box.querySelectorAll('[data-field="votes"]').forEach(function (element) {
        element.dataset.count = "q" + q.id;
        element.textContent = q.votes;
      });
    } else if (String(q.id) === shown) {
      box.dataset.questionId = "";
    }
    updateProjector();
  }

  function updateProjector() {
    // A poll on the projector takes the place of the pinned question; with neither, the invitation to ask.
    var idle = root.querySelector(".projector-idle");
    var question = document.getElementById("projector-question");
    var poll = document.getElementById("projector-poll");
    var polling = !!(poll && poll.dataset.pollId);
    if (poll) poll.hidden = !polling;
    if (question) question.hidden = polling || !question.dataset.questionId;
    if (idle) idle.hidden = !!(polling || (question && question.dataset.questionId));
  }

  // Polls ----------------------------------------------------------------------------------------

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function results(p) {
    var list = element("ol", "poll-results");
    p.options.forEach(function (option) {
      var item = element("li");
      item.appendChild(element("span", "poll-label", option.label));
      item.appendChild(document.createTextNode(" "));
      var meter = element("meter");
      meter.min = 0;
      meter.max = Math.max(p.voters, 1);
      meter.value = option.votes || 0;
      meter.dataset.meter = "o" + option.id;
      meter.dataset.meterTotal = "p" + p.id;
      item.appendChild(meter);
      item.appendChild(document.createTextNode(" "));
      var count = element("span", "", String(option.votes || 0));
      count.dataset.count = "o" + option.id;
      item.appendChild(count);
      list.appendChild(item);
    });
    return list;
  }

  function voterLine(p) {
    var line = element("p", "poll-meta", label("Voted") + " ");
    var count = element("span", "", String(p.voters));
    count.dataset.count = "p" + p.id;
    line.appendChild(count);
    return line;
  }

  function buildPoll(p, voted) {
    var card = element("article", "poll state-" + p.state + (p.revealed ? " revealed" : ""));
    card.id = "poll-" + p.id;
    card.dataset.id = p.id;
    card.dataset.rev = p.rev;
    card.appendChild(element("h3", "poll-question", p.question));
    var meta = voterLine(p);
    if (p.state === "closed") meta.appendChild(element("span", "badge", label("Closed")));
    if (!p.revealed) meta.appendChild(element("span", "badge", label("ResultsHidden")));
    card.appendChild(meta);
    if (voted) {
      card.appendChild(element("p", "poll-voted", label("Thanks")));
    } else if (p.state === "open" && root.dataset.pollVoteAction) {
      var form = element("form", "poll-vote");
      form.method = "post";
      form.setAttribute("action", root.dataset.pollVoteAction.replace("__ID__", p.id));
      form.dataset.liveForm = "poll";
      var token = element("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = csrfToken();
      form.appendChild(token);
      var fieldset = element("fieldset");
      fieldset.appendChild(element("legend", "visually-hidden", p.question));
      p.options.forEach(function (option) {
        var choice = element("label", "poll-option");
        var input = element("input");
        input.type = p.multiple ? "checkbox" : "radio";
        input.name = "option";
        input.value = option.id;
        if (!p.multiple) input.required = true;
        choice.appendChild(input);
        choice.appendChild(document.createTextNode(" " + option.label));
        fieldset.appendChild(choice);
      });
      form.appendChild(fieldset);
      var button = element("button", "button primary", label("Vote"));
      button.type = "submit";
      form.appendChild(button);
      card.appendChild(form);
    }
    if (p.revealed) card.appendChild(results(p));
    return card;
  }

  function upsertPoll(p) {
    if (mode === "projector") return projectPoll(p);
    if (mode === "moderation") return refreshModerationPolls();
    var list = document.getElementById("poll-list");
    if (!list) return;
    var existing = document.getElementById("poll-" + p.id);
    if (existing && parseInt(existing.dataset.rev, 10) > p.rev) return;
    var voted = !!(existing && existing.querySelector(".poll-voted"));
    var card = buildPoll(p, voted);
    // A half-filled vote survives a change that does not close it.
    if (existing && existing.querySelector("form") && card.querySelector("form")) {
      card.replaceChild(existing.querySelector("form"), card.querySelector("form"));
    }
    if (existing) existing.replaceWith(card);
    else list.insertBefore(card, list.firstChild);
    var section = document.getElementById("polls");
    if (section) section.hidden = false;
    if (!existing) announce(p.question);
  }

  function projectPoll(p) {
    var box = document.getElementById("projector-poll");
    if (!box) return;
    if (p.projected) {
      box.textContent = "";
      box.appendChild(element("p", "projector-text", p.question));
      box.appendChild(voterLine(p));
      if (p.revealed) box.appendChild(results(p));
      box.dataset.pollId = p.id;
    } else if (String(p.id) === box.dataset.pollId) {
      box.dataset.pollId = "";
    }
    updateProjector();
  }

  function refreshModerationPolls() {
    fetch(window.location.href, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("poll-list");
        var list = document.getElementById("poll-list");
        if (fresh && list && !list.contains(document.activeElement)) list.replaceWith(fresh);
      });
  }

  // Counts and summary ---------------------------------------------------------------------------

  function applyCounts(counts) {
    var touched = {};
    Object.keys(counts).forEach(function (key) {
      var value = counts[key];
      root.querySelectorAll('[data-count="' + key + '"]').forEach(function (element) {
        if (parseInt(element.textContent, 10) < value || isNaN(parseInt(element.textContent, 10))) {
          element.textContent = value;
        }
        var item = element.closest(".question");
        if (item && parseInt(item.dataset.votes, 10) < value) {
          item.dataset.votes = value;
          touched[item.parentNode.id] = item.parentNode;
        }
      });
      root.querySelectorAll('[data-meter="' + key + '"]').forEach(function (meter) { meter.value = value; });
      root.querySelectorAll('[data-meter-total="' + key + '"]').forEach(function (meter) {
        meter.max = Math.max(value, 1);
      });
    });
    Object.keys(touched).forEach(function (id) { sortList(touched[id]); });
  }

  function applySummary(data) {
    root.querySelectorAll("[data-held]").forEach(function (element) { element.textContent = data.held; });
  }

  // The stream -----------------------------------------------------------------------------------

  function handle(kind, data) {
    if (data && data.held !== undefined) applySummary(data);
    if (kind === "question") {
      if (mode === "projector") projectQuestion(data, false);
      else upsertQuestion(data);
    } else if (kind === "gone") {
      if (mode === "projector") projectQuestion(data, true);
      else removeQuestion(data);
    } else if (kind === "counts") {
      applyCounts(data);
    } else if (kind === "poll") {
      upsertPoll(data);
    }
  }

  function connect() {
    var url = new URL(root.dataset.liveStream, window.location.href);
    url.searchParams.set("after", String(revision));
    source = new EventSource(url.toString());
    source.addEventListener("open", function () {
      if (statusLine) statusLine.textContent = "";
    });
    source.addEventListener("error", function () {
      if (statusLine) statusLine.textContent = label("Offline");
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (the server refused): poll by reconnecting from the last revision seen.
        window.setTimeout(connect, 5000);
      }
    });
    ["question", "gone", "summary", "counts", "poll"].forEach(function (kind) {
      source.addEventListener(kind, function (event) {
        if (event.lastEventId) revision = Math.max(revision, parseInt(event.lastEventId, 10) || 0);
        handle(kind, JSON.parse(event.data));
      });
    });
  }

  // Forms in the background ----------------------------------------------------------------------

  function showError(form, message, field) {
    var target = field ? form.querySelector('[data-error-for="' + field + '"]') : null;
    if (!target) {
      target = form.querySelector(".form-errors") || element("p", "form-errors");
      target.setAttribute("role", "alert");
      if (!target.parentNode) form.insertBefore(target, form.firstChild);
    }
    target.textContent = message;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for], .form-errors").forEach(function (element) { element.textContent = ""; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-live-form]") : null;
    if (!form || !window.fetch) return;
    event.preventDefault();
    var kind = form.dataset.liveForm;
    var body = new FormData(form);
    if (event.submitter && event.submitter.name) body.append(event.submitter.name, event.submitter.value);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrfToken() },
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        buttons.forEach(function (button) { button.disabled = false; });
        if (!result.ok) {
          showError(form, result.data.detail || "", result.data.field);
          return;
        }
        clearErrors(form);
        if (kind === "ask") {
          form.reset();
          if (result.data.question.state === "held") addOwn(result.data.question);
          else upsertQuestion(result.data.question);
        } else if (kind === "vote") {
          var button = form.querySelector("button");
          button.setAttribute("aria-pressed", "true");
          button.disabled = true;
          var counts = {};
          counts["q" + result.data.id] = result.data.votes;
          applyCounts(counts);
        } else if (kind === "poll") {
          form.replaceWith(element("p", "poll-voted", label("Thanks")));
        } else if (kind === "moderate") {
          var merge = form.querySelector('input[name="into"]');
          if (merge) merge.value = "";
        }
      })
      .catch(function () {
        buttons.forEach(function (button) { button.disabled = false; });
        showError(form, label("Offline"));
      });
  });

  root.querySelectorAll("[data-sort-link]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      root.dataset.sort = link.dataset.sortLink;
      root.querySelectorAll("[data-sort-link]").forEach(function (other) {
        if (other === link) other.setAttribute("aria-current", "true");
        else other.removeAttribute("aria-current");
      });
      sortList(document.getElementById("question-list"));
      window.history.replaceState(null, "", link.href);
    });
  });

  if (window.EventSource) connect();
})();
