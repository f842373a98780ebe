// The workshop form: filter the enterprise checkboxes by name, and show the consultant and the
// safety inspector only for a factory walk-through. Without this script every field shows.
(function () {
  "use strict";

  document.querySelectorAll("[data-filter-for]").forEach(function (box) {
    var list = document.getElementById(box.dataset.filterFor);
    box.addEventListener("input", function () {
      var text = box.value.trim().toLowerCase();
      list.querySelectorAll("[data-choice-label]").forEach(function (choice) {
        var match = !text || choice.dataset.choiceLabel.toLowerCase().indexOf(text) >= 0;
        choice.classList.toggle("d-none", !match);
      });
    });
  });

  var walkthrough = document.querySelector("[data-walkthrough-only]");
  var kinds = document.querySelectorAll("[data-kind-choice]");
  function show() {
    var chosen = document.querySelector("[data-kind-choice]:checked");
    walkthrough.classList.toggle("d-none", !chosen || chosen.value !== "walkthrough");
  }
  if (walkthrough && kinds.length) {
    kinds.forEach(function (radio) {
      radio.addEventListener("change", show);
    });
    show();
  }
})();
