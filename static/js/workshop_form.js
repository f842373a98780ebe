// The workshop form: list only the enterprises and trainers of the district chosen, filter the
// enterprises by name, and show the consultant and the safety inspector only for a factory
// walk-through. Without this script every field shows, and the server still refuses an
// enterprise or a trainer of another district (training.forms.WorkshopForm.clean).
(function () {
  "use strict";

  var district = document.querySelector("[name=district]");
  var filter = document.querySelector("[data-filter-for]");

  function chosenDistrict() {
    return district ? district.value : "";
  }

  // A choice of another district is unticked when the district changes (it would be refused on
  // saving); one the server sent back ticked stays in sight, next to its error, until unticked.
  function narrow(untickForeign) {
    var wanted = chosenDistrict();
    var text = filter ? filter.value.trim().toLowerCase() : "";
    document.querySelectorAll(".choice-box").forEach(function (box) {
      var choices = box.querySelectorAll(".form-check[data-district]");
      var inDistrictCount = 0;
      choices.forEach(function (choice) {
        var input = choice.querySelector("input");
        var inDistrict = wanted !== "" && choice.dataset.district === wanted;
        if (!inDistrict && untickForeign) input.checked = false;
        if (inDistrict) inDistrictCount += 1;
        var label = choice.dataset.choiceLabel;
        var matches = label === undefined || !text || label.toLowerCase().indexOf(text) >= 0;
        choice.classList.toggle("d-none", !((inDistrict || input.checked) && matches));
      });
      var choose = box.querySelector("[data-choose-district]");
      var none = box.querySelector("[data-none-in-district]");
      if (choose) choose.classList.toggle("d-none", wanted !== "" || choices.length === 0);
      if (none) none.classList.toggle("d-none", wanted === "" || inDistrictCount > 0 || choices.length === 0);
    });
    document.querySelectorAll("option[data-district]").forEach(function (option) {
      var inDistrict = wanted !== "" && option.dataset.district === wanted;
      if (!inDistrict && untickForeign && option.selected) option.parentElement.value = "";
      option.hidden = !inDistrict && !option.selected;
      option.disabled = option.hidden;
    });
  }

  if (district) {
    district.addEventListener("change", function () {
      narrow(true);
    });
  }
  if (filter) {
    filter.addEventListener("input", function () {
      narrow(false);
    });
  }
  narrow(false);

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
