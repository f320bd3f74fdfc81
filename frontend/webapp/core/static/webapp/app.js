// AfterResume shell behaviour. Lives in a static file: the CSP allows no inline scripts.
(function () {
  "use strict";

  // --- toasts: the server triggers them with `HX-Trigger: {"toast": {"text": "...", "level": "success"}}`
  // At most three at a time (the oldest goes), and the page keeps room at its bottom for them, so
  // that whatever they cover can be scrolled out from under them.
  const MAX_TOASTS = 3;
  const toastArea = document.getElementById("toast-area");
  if (toastArea && window.ResizeObserver) {
    new window.ResizeObserver(function () {
      const space = toastArea.childElementCount ? toastArea.offsetHeight : 0;
      document.body.style.setProperty("--toast-space", space + "px");
    }).observe(toastArea);
  }
  function showToast(text, level) {
    const area = toastArea;
    if (!area || !window.bootstrap) return;
    const shown = area.querySelectorAll(".toast");
    // Taken out at once (its own timers then act on a detached element, harmlessly).
    for (let index = 0; index <= shown.length - MAX_TOASTS; index++) shown[index].remove();
    const toast = document.createElement("div");
    toast.className = "toast align-items-center border-0 text-bg-" + (level || "success");
    toast.setAttribute("role", level === "danger" ? "alert" : "status");
    const row = document.createElement("div");
    row.className = "d-flex";
    const body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;  // text, never HTML: messages may quote user input
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close");
    row.append(body, close);
    toast.append(row);
    area.append(toast);
    toast.addEventListener("hidden.bs.toast", function () { toast.remove(); });
    new window.bootstrap.Toast(toast, { delay: 5000 }).show();
  }
  window.afterresumeToast = showToast;

  document.body.addEventListener("toast", function (event) {
    const detail = event.detail || {};
    showToast(detail.text || detail.value || "Done", detail.level);
  });

  // A request htmx could not complete: say so instead of failing silently.
  document.body.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 503) {
      showToast("The server cannot be reached right now. Nothing was lost; try again in a moment.", "warning");
    } else if (status === 429) {
      showToast("Too many attempts. Please wait a moment and try again.", "warning");
    } else if (status >= 500) {
      showToast("Something went wrong on our side. Please try again.", "danger");
    }
  });
  document.body.addEventListener("htmx:sendError", function () {
    showToast("No connection. Check your network and try again.", "warning");
  });

  // --- the browser's time zone for forms that ask for it (sign-up)
  document.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
    try { if (!input.value) input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { /* keep empty: UTC */ }
  });

  // --- copy buttons: <button data-copy-target="#input-id">
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copyTarget);
    if (!source) return;
    const text = source.value || source.textContent;
    const done = function () { showToast("Copied to the clipboard.", "success"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { source.select(); document.execCommand("copy"); done(); });
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  // --- confirmation for plain buttons: <button data-confirm="Are you sure?">
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });

  // --- selects that filter a page: submit on change (the form works without JS through its button)
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-submit-on-change]")) event.target.form.requestSubmit();
  });

  // --- plain (non-htmx) forms: show a spinner and prevent double submits while the page loads.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.classList.contains("needs-loading")) return;
    if (form.classList.contains("is-loading")) { event.preventDefault(); return; }
    form.classList.add("is-loading");
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.setAttribute("aria-busy", "true"); });
  });

  // --- quick-add modal: `n` opens it (not while typing), Ctrl/Cmd+Enter saves, a save closes it.
  const quickAdd = document.getElementById("quick-add");
  if (quickAdd && window.bootstrap) {
    const modal = window.bootstrap.Modal.getOrCreateInstance(quickAdd);
    const isTyping = function (element) {
      return element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
    };
    document.addEventListener("keydown", function (event) {
      if (event.key !== "n" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (document.querySelector(".modal.show")) return;
      event.preventDefault();
      modal.show();
    });
    const focusContent = function () {
      const invalid = quickAdd.querySelector(".is-invalid");
      const target = invalid || quickAdd.querySelector("textarea[name=content]");
      if (target) target.focus();
    };
    quickAdd.addEventListener("shown.bs.modal", focusContent);
    quickAdd.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        const form = quickAdd.querySelector("form");
        if (!form) return;
        event.preventDefault();
        // A form just swapped in is made an htmx form only when its swap settles (20 ms later, more
        // on a busy machine): processed now, it is saved in place, never by a page load.
        if (window.htmx) window.htmx.process(form);
        form.requestSubmit();
      }
    });
    // A re-rendered form (validation errors) keeps the focus where the problem is.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target.id === "quick-add-body" && quickAdd.classList.contains("show")) focusContent();
    });
    document.body.addEventListener("worklog-saved", function () { modal.hide(); });
  }

  // --- status bar: refresh every 30 s; on errors back off (60 s, 120 s, … up to 5 min).
  const statusBar = document.getElementById("status-bar");
  if (statusBar && window.htmx) {
    const url = statusBar.dataset.pollUrl;
    const normalDelay = 30000;
    const maxDelay = 300000;
    let delay = normalDelay;
    let timer = null;
    function schedule(wait) {
      window.clearTimeout(timer);
      timer = window.setTimeout(poll, wait);
    }
    function poll() {
      if (document.hidden) {  // no polling in background tabs; resume when visible
        schedule(normalDelay);
        return;
      }
      window.htmx.ajax("GET", url, { target: statusBar, swap: "innerHTML" });
    }
    // Back off while the frontend cannot be reached or reports the server unreachable. htmx fires
    // afterRequest for every outcome, a network error too (no answer: status 0, `failed` unset).
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.target !== statusBar) return;
      const failing = event.detail.failed || event.detail.xhr.status === 0
        || statusBar.querySelector("[data-status=unreachable]") !== null;
      delay = failing ? Math.min(delay * 2, maxDelay) : normalDelay;
      statusBar.dataset.nextPollMs = String(delay);
      schedule(delay);
    });
    // A save elsewhere on the page (a quick-add, a top-up) refreshes the bar at once.
    document.body.addEventListener("reserve-changed", function () { schedule(0); });
    poll();
  }
})();

// --- long entries in lists: the server cuts them to their first lines (class is-collapsed) and
// adds "Show more", a link to the whole entry. Here that link becomes a button that opens and
// closes the entry in place (aria-expanded), for entries swapped in by htmx too.
(function () {
  "use strict";
  function upgrade(root) {
    root.querySelectorAll("a.entry-toggle[data-expands]").forEach(function (link) {
      const content = document.getElementById(link.dataset.expands);
      if (!content) return;
      // Cut to fewer lines than it has? On a wide screen a long entry may fit: then no toggle.
      if (content.clientHeight > 0 && content.scrollHeight <= content.clientHeight + 1) {
        content.classList.remove("is-collapsed");
        link.remove();
        return;
      }
      const button = document.createElement("button");
      button.type = "button";
      button.className = "entry-toggle btn btn-link btn-sm p-0";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", content.id);
      button.append(...link.childNodes);
      link.replaceWith(button);
    });
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button.entry-toggle");
    if (!button) return;
    const content = document.getElementById(button.getAttribute("aria-controls"));
    const isExpanded = button.getAttribute("aria-expanded") === "true";
    content.classList.toggle("is-collapsed", isExpanded);
    button.setAttribute("aria-expanded", String(!isExpanded));
    button.firstChild.textContent = isExpanded ? "Show more" : "Show less";
    // Closing a long entry moves the button up: keep it where the reader is.
    if (isExpanded) button.scrollIntoView({ block: "nearest" });
  });
  upgrade(document);
  if (window.htmx) window.htmx.onLoad(upgrade);
})();

// --- formsets that grow: <button data-add-form-row="items" hidden> appends a copy of
// <template id="items-empty-row"> (Django's empty_form, "__prefix__" in its names) to
// <tbody id="items-rows"> and counts it in the management form. Without JS the button stays hidden.
(function () {
  "use strict";
  document.querySelectorAll("button[data-add-form-row]").forEach(function (button) {
    const prefix = button.dataset.addFormRow;
    const template = document.getElementById(prefix + "-empty-row");
    const rows = document.getElementById(prefix + "-rows");
    const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    const maximum = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!template || !rows || !total) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      const index = Number(total.value);
      if (maximum && index >= Number(maximum.value)) return;
      const row = template.content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[id], [name], [for]").forEach(function (element) {
        ["id", "name", "for"].forEach(function (attribute) {
          const value = element.getAttribute(attribute);
          if (value) element.setAttribute(attribute, value.replace("__prefix__", String(index)));
        });
      });
      rows.append(row);
      total.value = String(index + 1);
      const first = row.querySelector("input");
      if (first) first.focus();
    });
  });
})();

// --- choices that decide which fields matter: in a form with data-show-for, a field wrapped in
// <div data-show-for="target"> is shown only while the radio named by data-show-for-input has that
// value (automatic top-up: the fixed amount or the target balance). Hidden fields are still sent,
// so the server keeps both; without JS both stay visible.
(function () {
  "use strict";
  document.querySelectorAll("form[data-show-for-input]").forEach(function (form) {
    const name = form.dataset.showForInput;
    function update() {
      const chosen = form.querySelector("input[name='" + name + "']:checked");
      form.querySelectorAll("[data-show-for]").forEach(function (wrapper) {
        // A field with an error stays visible, whatever was chosen.
        const invalid = wrapper.querySelector(".is-invalid") !== null;
        wrapper.hidden = chosen !== null && wrapper.dataset.showFor !== chosen.value && !invalid;
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === name) update();
    });
    update();
  });
})();

// --- Enhance on an entry's page: the estimate that opens takes the focus (its Start, or its Top up),
// and closing it gives the focus back to the Enhance button.
(function () {
  "use strict";
  if (!window.htmx) return;
  window.htmx.onLoad(function (element) {
    if (element.id !== "enhance") return;
    const next = element.querySelector("#enhance-start, #enhance-topup") || document.getElementById("enhance-entry");
    if (next && element.contains(document.activeElement) === false) next.focus();
  });
})();
