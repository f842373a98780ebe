// The dashboard on a phone (below 576 px): one part at a time, chosen from a list at its top
// (the districts, the rates, the monthly trends or training), and in the trends one figure at a
// time, so that every part is a screen or two away instead of seventeen screens of small charts.
// Without this script, on wider screens and on paper, every part shows (static/css/responsive.css).
(function () {
  "use strict";

  function chooser(choiceId, selectId, attribute, chosenClass) {
    var box = document.getElementById(choiceId);
    var select = document.getElementById(selectId);
    if (!box || !select) {
      return;
    }
    box.hidden = false;
    function show() {
      document.querySelectorAll("[" + attribute + "]").forEach(function (part) {
        part.classList.toggle(chosenClass, part.getAttribute(attribute) === select.value);
      });
    }
    select.addEventListener("change", show);
    show();
  }

  document.body.classList.add("phone-parts");
  chooser("phone-parts-choice", "phone-part", "data-phone-part", "phone-chosen");
  chooser("trend-figure-choice", "trend-figure", "data-metric", "phone-chosen-figure");
})();
