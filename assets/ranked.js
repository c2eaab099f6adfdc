/* The ranked cameras of the selected incident (layouts/ranked.py): a round numbered badge per
   row of #nearest-cameras, in the marker pane above the clusters and below the incident pins
   (those are diamonds with "P1".."P4"). Text only through textContent. Enter or Space on a
   ranked row (#nearest-cameras) opens it like a click. */
(function () {
  "use strict";
  var ns = window.connectDallas = window.connectDallas || {};

  function toLayer(feature, latlng) {
    var p = feature.properties || {};
    var rank = Number(p.rank) || 0;
    var badge = document.createElement("div");
    var label = document.createElement("span");
    label.textContent = String(rank);
    badge.appendChild(label);
    var marker = L.marker(latlng, {
      icon: L.divIcon({html: badge, iconSize: L.point(26, 26), iconAnchor: L.point(13, 13),
                       className: "cd-rank-marker" + (p.faces ? " faces" : "") + (p.overwritten ? " overwritten" : "")}),
      zIndexOffset: 5000 - rank, riseOnHover: true, keyboard: false
    });
    marker.bindTooltip("#" + rank + " · camera #" + String(Number(p.camera_id) || 0) + ": click to open");
    return marker;
  }

  ns.ranked = {toLayer: toLayer};

  document.addEventListener("keydown", function (event) {
    var row = event.target && event.target.closest ? event.target.closest(".cd-ranked-row") : null;
    if (row && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      row.click();
    }
  });
})();
