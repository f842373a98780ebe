// "Copy" next to a new display link (templates/dashboard/display_links.html): puts the link on the
// clipboard, or, where the browser does not allow it (plain http), selects it for Ctrl+C.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  "use strict";
  button.addEventListener("click", function () {
    const input = document.querySelector(button.dataset.copy);
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.dataset.copied;
      });
    }
  });
});
