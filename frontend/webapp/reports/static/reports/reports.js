// Write a report: the estimate that opens takes the focus (its Start, or its Top up), as Extract
// skills does; a form sent back with errors focuses its first invalid field.
(function () {
  "use strict";
  if (!window.htmx) return;
  window.htmx.onLoad(function (element) {
    if (element.id !== "compose") return;
    const next = element.querySelector("[aria-invalid='true'], #report-start, #report-topup");
    if (next) next.focus();
  });
})();
