// Keeps the sorted column of a table that scrolls sideways in view: after a click on "Accidents"
// the page comes back with the table scrolled to its accidents, not to its first column.
(function () {
  "use strict";
  document.querySelectorAll(".table-responsive th[aria-sort]").forEach(function (header) {
    var box = header.closest(".table-responsive");
    if (box.scrollWidth <= box.clientWidth || header.offsetParent === null) {
      return; // the whole table shows, or the header is hidden (a phone's cards)
    }
    var left = header.offsetLeft;
    var right = left + header.offsetWidth;
    if (right > box.scrollLeft + box.clientWidth) {
      box.scrollLeft = right - box.clientWidth;
    } else if (left < box.scrollLeft) {
      box.scrollLeft = left;
    }
  });
})();
