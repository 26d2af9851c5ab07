/* Progress of a large ledger import (templates/ledgers/import_progress.html). Polls the batch's small JSON endpoint
 * (ledgers.views.batch_status) once a second; the job's progress lives in the database, so a reloaded page picks up
 * where it was. When the job has finished, it moves on to the result page. No inline script (CSP script-src 'self'). */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  var statusUrl = box.getAttribute("data-status-url");
  var resultUrl = box.getAttribute("data-result-url");
  var bar = box.querySelector("progress");
  var failures = 0;

  function show(selector, value) {
    var node = box.querySelector(selector);
    if (node) {
      node.textContent = value;
    }
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", statusUrl, true);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status !== 200) {
        failures += 1;
        schedule();
        return;
      }
      failures = 0;
      var data = JSON.parse(request.responseText);
      var job = data.job || {};
      if (bar && typeof job.percent === "number") {
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
      }
      show(".job-percent", (job.percent || 0) + "%");
      show(".job-count", job.total ? job.done + " / " + job.total : "");
      show(".job-message", job.message || data.status_label || "");
      if (job.finished || !data.job) {
        window.location.assign(resultUrl);
        return;
      }
      schedule();
    };
    request.onerror = function () {
      failures += 1;
      schedule();
    };
    request.send();
  }

  function schedule() {
    window.setTimeout(poll, Math.min(1000 * (1 + failures), 10000));
  }

  schedule();
})();
