/* Progress of a quota evaluation (talent/compliance.html): polls the job's JSON until it finishes, then reloads the
 * page once so the grid shows the new results. No inline script: the CSP forbids it. */
(function () {
  "use strict";
  var box = document.getElementById("quota-job");
  if (!box || box.getAttribute("data-finished") === "1") {
    return;
  }
  var url = box.getAttribute("data-url");
  var bar = box.querySelector("progress");
  var label = box.querySelector(".job-message");
  var count = box.querySelector(".job-count");
  var delay = 800;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.value = job.percent;
        label.textContent = job.message || "";
        count.textContent = job.total ? job.done + " / " + job.total : "";
        if (job.finished) {
          window.location.reload();
        } else {
          delay = Math.min(delay * 1.3, 4000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  poll();
})();
