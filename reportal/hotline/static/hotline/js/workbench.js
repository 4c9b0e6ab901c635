// Workbench helpers (same origin, no inline script): screen-time heartbeat, wellbeing banner, keyboard shortcuts.
(function () {
  "use strict";
  var HEARTBEAT_MS = 30000;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showWellbeing(payload) {
    var region = document.getElementById("wellbeing");
    if (!region || !payload.message) { return; }
    var p = document.createElement("p");
    p.className = payload.limit_reached ? "wb-warning" : "wb-reminder";
    p.textContent = payload.message;
    region.replaceChildren(p);
  }

  function startHeartbeat() {
    var holder = document.querySelector("[data-screen-session]");
    var region = document.getElementById("wellbeing");
    var url = region ? region.getAttribute("data-heartbeat-url") : null;
    if (!holder || !url) { return; }
    var session = holder.getAttribute("data-screen-session");
    function beat() {
      if (document.visibilityState !== "visible") { return; }
      var body = new URLSearchParams();
      body.set("session", session);
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString()
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (payload) {
        if (!payload) { return; }
        if (payload.session) { session = String(payload.session); }
        showWellbeing(payload);
      }).catch(function () { /* the server-side open and close times still count */ });
    }
    window.setInterval(beat, HEARTBEAT_MS);
    document.addEventListener("visibilitychange", beat);
  }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable ||
      (tag === "INPUT" && ["radio", "checkbox", "button", "submit"].indexOf(target.type) < 0);
  }

  // Keys shown in the page's legend: 1-3 outcome, R reveal, S save, N next item, Q release.
  function shortcuts() {
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || event.repeat || typing(event.target)) { return; }
      var key = event.key.length === 1 ? event.key.toLowerCase() : "";
      if (!key) { return; }
      var form = document.getElementById("assessment-form");
      var outcome = form ? form.querySelector('.wb-outcome [data-key="' + key + '"] input') : null;
      var target = null;
      if (outcome) {
        outcome.checked = true;
        outcome.focus();
        event.preventDefault();
        return;
      }
      if (key === "r") {
        target = document.querySelector("#preview figure.wb-thumb:not(.wb-revealed) button.wb-reveal");
      } else {
        target = document.querySelector('[data-shortcut="' + key + '"]');
      }
      if (target) {
        event.preventDefault();
        target.click();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    startHeartbeat();
    shortcuts();
  });
})();
