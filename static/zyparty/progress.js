/* The progress bar of a long job (templates/includes/progress.html): polls the job's JSON (/jobs/<id>/) until it is
 * done or failed, then shows the finished state, fires "zyparty:job-finished" on the element (detail: the JSON),
 * and reloads or moves on if the page asked for it. Works for any number of bars on a page. */
(function () {
  "use strict";

  var FINISHED = { done: true, failed: true };

  function text(element, selector, value) {
    var node = element.querySelector(selector);
    if (node) {
      node.textContent = value;
    }
  }

  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
  }

  function render(element, job) {
    element.className = element.className.replace(/\bis-\w+/g, "").trim() + " is-" + job.status;
    element.setAttribute("data-job-status", job.status);
    var bar = element.querySelector("progress");
    if (bar) {
      bar.value = job.percent;
      bar.textContent = job.percent + "%";
    }
    text(element, ".job-state", job.status_label);
    text(element, ".job-percent", job.percent + "%");
    text(element, ".job-count", job.total ? job.done + " / " + job.total : "");
    text(element, ".job-message", job.message || "");
    var link = element.querySelector(".job-result");
    if (link && isLocalPath(job.result_url)) {
      link.href = job.result_url;
      if (job.result_label) {
        link.textContent = job.result_label;
      }
      link.hidden = false;
    }
  }

  function finish(element, job, wasFinished) {
    element.dispatchEvent(new CustomEvent("zyparty:job-finished", { bubbles: true, detail: job }));
    if (wasFinished) {
      return;  // finished before the page was drawn: nothing to move on to (and no reload loop)
    }
    var next = element.getAttribute("data-done-url");
    if (job.status === "done" && isLocalPath(next)) {
      window.location.assign(next);
    } else if (job.status === "done" && element.getAttribute("data-reload-on-done")) {
      window.location.reload();
    }
  }

  function watch(element) {
    if (element.getAttribute("data-progress-bound")) {
      return;
    }
    element.setAttribute("data-progress-bound", "1");
    var url = element.getAttribute("data-job-url");
    var wasFinished = Boolean(FINISHED[element.getAttribute("data-job-status")]);
    var delay = 800;
    var failures = 0;

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (job) {
          failures = 0;
          render(element, job);
          if (FINISHED[job.status]) {
            finish(element, job, wasFinished);
          } else {
            delay = Math.min(delay * 1.3, 4000);
            window.setTimeout(poll, delay);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures < 10) {
            window.setTimeout(poll, 3000);
          } else {
            text(element, ".job-message", element.getAttribute("data-lost-text") || "");
          }
        });
    }

    // Even a job finished before the page was drawn is fetched once: the page shows its final numbers and the
    // listeners of "zyparty:job-finished" still hear about it.
    poll();
  }

  function start() {
    var bars = document.querySelectorAll(".job-progress[data-job-url]");
    Array.prototype.forEach.call(bars, watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.zypartyWatchJobs = start;  // for bars added to the page later (e.g. after an upload)
})();
