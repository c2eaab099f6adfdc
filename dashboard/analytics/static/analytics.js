/* Draws the /analytics figures: each <script type="application/json" data-figure="ID"> holds a
   Plotly figure (data + layout) computed by the server; Plotly (served by this app) draws it in
   the element with that id. No inline script, no eval: the CSP stays 'self'. */
(function () {
  "use strict";
  function draw() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-figure]');
    Array.prototype.forEach.call(blocks, function (block) {
      var target = document.getElementById(block.getAttribute("data-figure"));
      if (!target || !window.Plotly) { return; }
      var figure = JSON.parse(block.textContent);
      window.Plotly.newPlot(target, figure.data, figure.layout,
                            {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage"]})
        .then(function () { target.setAttribute("data-drawn", "1"); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
