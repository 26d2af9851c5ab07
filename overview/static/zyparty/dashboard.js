/* Draws the dashboard's charts (plotly.js, served from the installed plotly package) and makes every bar, cell
 * and funnel stage a link to the filtered list behind it. The figures come from the page itself
 * (<script type="application/json" id="dashboard-charts">): no inline script, CSP script-src 'self'. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-charts");
  if (!source || !window.Plotly) {
    return;
  }
  var charts = JSON.parse(source.textContent);
  var config = { displayModeBar: false, responsive: true, scrollZoom: false };

  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
  }

  function linkOf(point) {
    var url = point && point.customdata;
    while (Array.isArray(url)) {
      url = url[0];
    }
    return isLocalPath(url) ? url : null;
  }

  charts.forEach(function (chart) {
    var element = document.getElementById("chart-" + chart.id);
    if (!element) {
      return;
    }
    window.Plotly.newPlot(element, chart.data, chart.layout, config).then(function () {
      element.classList.add("drawn");
      element.setAttribute("data-drawn", "1");
    });
    element.on("plotly_click", function (event) {
      var url = linkOf(event && event.points && event.points[0]);
      if (url) {
        window.location.assign(url);
      }
    });
    element.on("plotly_hover", function (event) {
      element.style.cursor = linkOf(event && event.points && event.points[0]) ? "pointer" : "";
    });
    element.on("plotly_unhover", function () {
      element.style.cursor = "";
    });
  });
})();
