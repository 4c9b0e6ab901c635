// Workbench helpers (same origin, no inline script): screen-time heartbeat, wellbeing banner, outcome shortcuts.
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

  function outcomeShortcuts() {
    var form = document.getElementById("assessment-form");
    if (!form) { return; }
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      if (target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text"))) { return; }
      var label = form.querySelector('.wb-outcome [data-key="' + event.key + '"] input');
      if (label) {
        label.checked = true;
        label.focus();
        event.preventDefault();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    startHeartbeat();
    outcomeShortcuts();
  });
})();
