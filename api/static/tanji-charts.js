/* Tanji (碳迹): draw every chart of the page with Plotly.
 * Each chart is an empty <div id=X> and a <script type="application/json" data-chart="X"> holding the
 * figure ({data, layout}) that api/views/plots.py wrote. No network, no eval. */
(function () {
  "use strict";
  function draw() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var target = document.getElementById(block.getAttribute("data-chart"));
      if (!target || typeof Plotly === "undefined") { continue; }
      var figure = JSON.parse(block.textContent);
      var config = JSON.parse(block.getAttribute("data-config") || "{}");
      Plotly.newPlot(target, figure.data, figure.layout, config);
    }
    document.documentElement.setAttribute("data-charts-drawn", String(blocks.length));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
