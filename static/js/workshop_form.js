// The workshop form: list only the enterprises and trainers of the district chosen, filter the
// enterprises by name, and show the consultant and the safety inspector only for a factory
// walk-through. Without this script every field shows, and the server still refuses an
// enterprise or a trainer of another district (training.forms.WorkshopForm.clean).
(function () {
  "use strict";

  var district = document.querySelector("[name=district]");
  var filter = document.querySelector("[data-filter-for]");
  var enterpriseList = filter ? document.getElementById(filter.dataset.filterFor) : null;

  function chosenDistrict() {
    return district ? district.value : "";
  }

  // A choice of another district is unticked when the district changes (it would be refused on
  // saving); one the server sent back ticked stays in sight, next to its error, until unticked.
  function narrow(untickForeign) {
    var wanted = chosenDistrict();
    var text = filter ? filter.value.trim().toLowerCase() : "";
    var shown = 0;
    document.querySelectorAll(".form-check[data-district]").forEach(function (choice) {
      var box = choice.querySelector("input");
      var inDistrict = wanted !== "" && choice.dataset.district === wanted;
      if (!inDistrict && untickForeign) box.checked = false;
      var label = choice.dataset.choiceLabel;
      var matches = label === undefined || !text || label.toLowerCase().indexOf(text) >= 0;
      var visible = (inDistrict || box.checked) && matches;
      choice.classList.toggle("d-none", !visible);
      if (label !== undefined && (inDistrict || box.checked)) shown += 1;
    });
    document.querySelectorAll("option[data-district]").forEach(function (option) {
      var inDistrict = wanted !== "" && option.dataset.district === wanted;
      if (!inDistrict && untickForeign && option.selected) option.parentElement.value = "";
      option.hidden = !inDistrict && !option.selected;
      option.disabled = option.hidden;
    });
    if (enterpriseList) {
      var choose = enterpriseList.querySelector("[data-choose-district]");
      var none = enterpriseList.querySelector("[data-none-in-district]");
      var any = enterpriseList.querySelector(".form-check[data-district]");
      choose.classList.toggle("d-none", wanted !== "");
      none.classList.toggle("d-none", wanted === "" || shown > 0 || !any);
    }
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
