/* A task page opened to work on it (after a claim, or from the list): the cursor waits in the form's
   first field, or in the first one a check refused, so the user types at once. */
(function () {
  "use strict";
  function firstField(form) {
    const wrong = form.querySelector("[aria-invalid='true']");
    if (wrong) return wrong;
    return Array.from(form.querySelectorAll("input, select, textarea"))
      .find((el) => el.type !== "hidden" && !el.disabled && el.offsetParent !== null);
  }
  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("form.task-form");
    if (!form || (document.activeElement && document.activeElement !== document.body)) return;
    const field = firstField(form);
    if (field) field.focus();
  });
})();
