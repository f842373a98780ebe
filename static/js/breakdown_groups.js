// The breakdown on a screen wider than a phone: one group of figures at a time (the change since
// SCORE, reporting, suggestions and projects, safety), chosen with the buttons above the table,
// so that the table fits the screen (dashboard.breakdown_views.FIGURE_GROUPS). The group shown
// first is the sorted column's, else the first. Without this script, on a phone's cards and on
// paper, every figure shows (static/css/breakdown.css).
(function () {
  "use strict";
  var box = document.getElementById("breakdown-groups");
  var table = document.getElementById("breakdown-table");
  if (!box || !table) {
    return;
  }
  var buttons = Array.prototype.slice.call(box.querySelectorAll("button[data-group]"));

  function show(button) {
    var keys = button.getAttribute("data-columns").split(" ");
    buttons.forEach(function (one) {
      one.classList.toggle("active", one === button);
      one.setAttribute("aria-pressed", one === button ? "true" : "false");
    });
    table.querySelectorAll("thead th[data-column], tbody > tr > td[data-figure], tfoot > tr > td[data-figure]").forEach(
      function (cell) {
        var key = cell.getAttribute("data-column") || cell.getAttribute("data-figure");
        cell.classList.toggle("breakdown-hidden", keys.indexOf(key) === -1);
      }
    );
    table.setAttribute("data-group", button.getAttribute("data-group"));
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      show(button);
    });
  });
  var sorted = table.querySelector("thead th[aria-sort]");
  var key = sorted ? sorted.getAttribute("data-column") : null;
  var first = buttons.filter(function (button) {
    return key && key !== "enterprises" && button.getAttribute("data-columns").split(" ").indexOf(key) !== -1;
  })[0];
  box.hidden = false;
  show(first || buttons[0]);
})();
