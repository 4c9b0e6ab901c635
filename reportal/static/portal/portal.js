// Public portal: "Leave this site quickly" replaces this page in the history (link, or the Escape key).
(function () {
  "use strict";
  var exit = document.querySelector("a[data-quick-exit]");
  if (!exit) return;
  function leave(event) {
    if (event) event.preventDefault();
    document.body.hidden = true; // hide at once, before the next page arrives
    document.title = "";
    window.location.replace(exit.href);
  }
  exit.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") leave(event);
  });
  var hints = document.querySelectorAll(".js-only");
  for (var i = 0; i < hints.length; i++) hints[i].hidden = false;

  // "Add another address" without a round trip (the same button submits the form when JavaScript is off).
  var add = document.querySelector("button[name=add_url][data-label]");
  if (add) {
    add.addEventListener("click", function (event) {
      var inputs = document.querySelectorAll("input[name=url]");
      var max = parseInt(add.getAttribute("data-max"), 10) || 20;
      if (inputs.length >= max) return;
      event.preventDefault();
      var index = inputs.length;
      var row = document.createElement("div");
      row.className = "field";
      var label = document.createElement("label");
      label.htmlFor = "url-" + index;
      label.textContent = add.getAttribute("data-label").replace("%(number)s", String(index + 1));
      var input = inputs[0].cloneNode(false);
      input.id = "url-" + index;
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      row.appendChild(label);
      row.appendChild(input);
      add.parentNode.insertBefore(row, add);
      if (index + 1 >= max) add.hidden = true;
      input.focus();
    });
  }

  // After a refused submission, move to the summary of problems so that it is read first.
  var errors = document.getElementById("errors");
  if (errors) {
    errors.focus();
    // A link in the summary puts the cursor in its field (without JavaScript it scrolls there).
    errors.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    });
  }

  // Copy the reference code (without JavaScript the code is plain text to select and copy).
  var copy = document.querySelector("button[data-copy]");
  if (copy) {
    var code = document.getElementById(copy.getAttribute("data-copy"));
    var said = document.querySelector("[data-copy-status]");
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var text = code.textContent;
      function done(ok) {
        said.textContent = copy.getAttribute(ok ? "data-copied" : "data-failed");
      }
      function bySelection() {
        var range = document.createRange();
        range.selectNodeContents(code);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        done(ok);
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, bySelection);
      } else {
        bySelection();
      }
    });
  }

  // Proof of work (altcha's challenge format, checked by our server): solved in workers while the reporter fills
  // in the form, so sending rarely waits. It is invisible; without it the report still goes, under a stricter limit.
  var form = document.querySelector("form[data-pow]");
  if (form && window.Worker && window.fetch && window.crypto && window.crypto.subtle && window.Promise) {
    var field = form.querySelector("input[name=altcha]");
    var status = form.querySelector("[data-pow-status]");
    var pending = null;
    var solvedAt = 0;
    var fresh = 20 * 60 * 1000; // challenges expire after 30 minutes on the server
    var solve = function () {
      if (pending && (!solvedAt || Date.now() - solvedAt < fresh)) return pending; // in flight, failed or fresh
      field.value = "";
      pending = fetch(form.getAttribute("data-pow"), { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (challenge) {
          var count = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 4));
          var span = Math.ceil((challenge.maxNumber + 1) / count);
          var workers = [];
          return new Promise(function (resolve) {
            var left = count;
            var stop = function (result) {
              for (var j = 0; j < workers.length; j++) workers[j].terminate();
              resolve(result);
            };
            var answer = function (event) {
              if (event.data && typeof event.data.number === "number") stop(event.data);
              else if (--left === 0) stop(null);
            };
            for (var i = 0; i < count; i++) {
              var worker = new Worker(form.getAttribute("data-pow-worker"));
              workers.push(worker);
              worker.onmessage = answer;
              worker.onerror = function () { stop(null); };
              worker.postMessage({
                type: "work",
                payload: { algorithm: challenge.algorithm, challenge: challenge.challenge, salt: challenge.salt },
                start: i * span,
                max: Math.min((i + 1) * span - 1, challenge.maxNumber)
              });
            }
          }).then(function (found) {
            if (!found) return;
            field.value = btoa(JSON.stringify({
              algorithm: challenge.algorithm,
              challenge: challenge.challenge,
              number: found.number,
              salt: challenge.salt,
              signature: challenge.signature,
              took: found.took
            }));
            solvedAt = Date.now();
          });
        })
        .catch(function () { field.value = ""; });
      return pending;
    };
    form.addEventListener("focusin", function () { solve(); });
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.name === "add_url") return;
      if (sending) return;
      event.preventDefault();
      sending = true;
      status.textContent = status.getAttribute("data-checking");
      solve().then(function () { form.submit(); });
    });
  }
})();
