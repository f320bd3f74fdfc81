// Extract skills on the skills page, as Enhance on an entry's page: the estimate that opens takes the
// focus (its Start, or its Top up), and closing it gives the focus back to Extract skills.
(function () {
  "use strict";
  if (!window.htmx) return;
  window.htmx.onLoad(function (element) {
    if (element.id !== "extract") return;
    const next = element.querySelector("#extract-start, #extract-topup") || document.getElementById("extract-skills");
    if (next && element.contains(document.activeElement) === false) next.focus();
  });
})();
