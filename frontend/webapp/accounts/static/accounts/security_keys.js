// Security keys (WebAuthn) in the browser: a button with data-security-key="create" or "get" asks
// the frontend for the ceremony's options (data-options-url), lets the browser talk to the key,
// and posts the key's answer (JSON) to data-submit-url. The frontend relays both to the backend.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function show(button, text) {
    var status = document.getElementById(button.dataset.statusId || "security-key-status");
    if (status) {
      status.textContent = text;
      status.classList.toggle("d-none", !text);
    }
  }

  function busy(button, isBusy) {
    button.disabled = isBusy;
    var spinner = button.querySelector(".spinner-border");
    if (spinner) spinner.classList.toggle("d-none", !isBusy);
    button.setAttribute("aria-busy", isBusy ? "true" : "false");
  }

  async function answerOf(response) {
    var body = {};
    try {
      body = await response.json();
    } catch (error) {
      body = {};
    }
    if (body.redirect) {
      window.location.assign(body.redirect);
      return null;
    }
    if (!response.ok) {
      throw new Error(body.message || "Something went wrong. Please try again.");
    }
    return body;
  }

  async function run(button) {
    var mode = button.dataset.securityKey;
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
      show(button, "This browser cannot use security keys. Please use a current browser.");
      return;
    }
    var nameField = button.dataset.nameField ? document.getElementById(button.dataset.nameField) : null;
    if (nameField && !nameField.value.trim()) {
      show(button, "Please give the security key a name.");
      nameField.focus();
      return;
    }
    show(button, "");
    busy(button, true);
    try {
      var given = await answerOf(await fetch(button.dataset.optionsUrl, { headers: { Accept: "application/json" } }));
      if (!given) return;
      var credential;
      if (mode === "create") {
        credential = await navigator.credentials.create({
          publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(given.options.publicKey),
        });
      } else {
        credential = await navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(given.options.publicKey),
        });
      }
      var body = { credential: credential.toJSON() };
      if (nameField) body.name = nameField.value.trim();
      var done = await answerOf(
        await fetch(button.dataset.submitUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(body),
        })
      );
      if (done === null) return;
    } catch (error) {
      // NotAllowedError: the person cancelled, or no key answered in time.
      var name = error && error.name;
      show(button, name === "NotAllowedError"
        ? "No security key answered (or it was cancelled). Please try again."
        : name === "InvalidStateError"
          ? "This security key is already added to your account."
          : (error && error.message) || "Something went wrong. Please try again.");
    }
    busy(button, false);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-security-key]");
    if (button) {
      event.preventDefault();
      run(button);
    }
  });
})();
