// Follows a running directory sync on its page: polls the run's API address and moves the
// progress bar; when the run has finished, reloads the page to show its outcome. Without
// this script the page reloads itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var section = document.querySelector("[data-run-progress]");
  if (!section) { return; }
  var url = section.getAttribute("data-run-progress");
  var every = (parseInt(section.getAttribute("data-refresh"), 10) || 3) * 1000;
  var bar = section.querySelector("[data-run-bar]");
  var text = section.querySelector("[data-run-text]");
  var template = text ? text.textContent : "";

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (run) {
        if (run.status !== "running") { window.location.reload(); return; }
        if (bar) { bar.max = run.total || 1; bar.value = run.done; }
        if (text) {
          text.textContent = template.replace(/\d+/, String(run.done)).replace(/(\D+)\d+/, "$1" + run.total);
        }
        window.setTimeout(poll, every);
      })
      .catch(function () { window.setTimeout(function () { window.location.reload(); }, every); });
  }
  window.setTimeout(poll, every);
}());
