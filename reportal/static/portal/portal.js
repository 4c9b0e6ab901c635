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
})();
