// Media grid keys (same origin, no inline script): arrows move between media, Space selects (the checkbox's own
// behaviour), a number key grades the selected media (or the focused one) with that legal assessment option.
(function () {
  "use strict";
  var lastIndex = 0;

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("#media-grid input[name=media]"));
  }

  function columns(list) {
    if (!list.length) { return 1; }
    var top = list[0].closest("li").offsetTop;
    var count = 0;
    list.forEach(function (box) { if (box.closest("li").offsetTop === top) { count += 1; } });
    return Math.max(1, count);
  }

  function move(list, from, step) {
    var to = Math.min(list.length - 1, Math.max(0, from + step));
    lastIndex = to;
    list[to].focus();
  }

  function grade(list, current, digit) {
    var form = document.getElementById("media-grade-form");
    var select = form ? form.querySelector("select[data-grade-scheme]") : null;
    if (!select || digit < 1 || digit >= select.options.length) { return false; }
    select.selectedIndex = digit;  // option 0 is "(none)"
    if (!list.some(function (box) { return box.checked; }) && current >= 0) { list[current].checked = true; }
    lastIndex = Math.max(0, current);
    // A key pressed right after a grading round may come before htmx has taken in the new grid's form (it does so
    // when the swap settles); without this the form would be posted as a whole page.
    if (window.htmx) { window.htmx.process(form); }
    form.requestSubmit();
    return true;
  }

  // Capture phase: inside the grid these keys belong to the grid, not to the page's outcome shortcuts.
  document.addEventListener("keydown", function (event) {
    var grid = document.getElementById("media-grid");
    if (!grid || !grid.contains(event.target) || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.target.tagName === "SELECT") { return; }
    var list = boxes();
    var current = list.indexOf(event.target);
    var handled = false;
    if (current >= 0 && event.key === "ArrowRight") { move(list, current, 1); handled = true; }
    else if (current >= 0 && event.key === "ArrowLeft") { move(list, current, -1); handled = true; }
    else if (current >= 0 && event.key === "ArrowDown") { move(list, current, columns(list)); handled = true; }
    else if (current >= 0 && event.key === "ArrowUp") { move(list, current, -columns(list)); handled = true; }
    else if (/^[1-9]$/.test(event.key)) { handled = grade(list, current, Number(event.key)); }
    if (handled) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // After a grading round the grid is new: keep the keyboard where it was.
  document.addEventListener("htmx:afterSwap", function () {
    var list = boxes();
    var grid = document.getElementById("media-grid");
    if (list.length && grid && grid.querySelector("[role=status], [role=alert]")) {
      list[Math.min(lastIndex, list.length - 1)].focus();
    }
  });
})();
