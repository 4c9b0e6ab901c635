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
})();
