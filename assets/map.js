/* Functions dash-leaflet calls by name ({"variable": "connectDallas.map.<fn>"}), and the
   clientside callbacks. Served from /assets: no CDN. Never build HTML from feature data:
   text goes in with textContent so nothing an owner or CAD typed can execute. */
(function () {
  "use strict";
  var OWNER_COLOURS = ["#4cc9f0", "#f4a261", "#b5e48c", "#c77dff"]; // resident, business, organization, government

  function textElement(tag, text, className) {
    var el = document.createElement(tag);
    el.textContent = text == null ? "" : String(text);
    if (className) { el.className = className; }
    return el;
  }

  function clusterIcon(n) {
    var count = Number(n) || 0;
    var size = count < 100 ? "small" : count < 1000 ? "medium" : "large";
    var label = count >= 10000 ? Math.round(count / 1000) + "k" : count >= 1000 ? (count / 1000).toFixed(1) + "k" : String(count);
    var outer = document.createElement("div");
    outer.appendChild(textElement("span", label));
    return L.divIcon({html: outer, className: "cd-cluster cd-cluster-" + size, iconSize: L.point(40, 40)});
  }

  var CONE_ZOOM = 17;      // field-of-view cones from this zoom on (layouts/constants.py FOV_CONE_ZOOM)
  var CONE_RADIUS_M = 25;  // drawn length of a cone: a symbol, not the camera's range
  var M_PER_DEG_LAT = 111320;

  /* The wedge direction +/- fov/2 (degrees clockwise from north) around latlng, as latlngs. */
  function coneLatLngs(latlng, direction, fov, radiusM) {
    var d = Number(direction), f = Math.min(Math.max(Number(fov) || 90, 1), 360);
    var mPerDegLon = M_PER_DEG_LAT * Math.cos(latlng.lat * Math.PI / 180);
    var steps = Math.max(4, Math.ceil(f / 10));
    var pts = f >= 360 ? [] : [[latlng.lat, latlng.lng]];
    for (var i = 0; i <= steps; i++) {
      var a = (d - f / 2 + f * i / steps) * Math.PI / 180;
      pts.push([latlng.lat + radiusM * Math.cos(a) / M_PER_DEG_LAT, latlng.lng + radiusM * Math.sin(a) / mPerDegLon]);
    }
    return pts;
  }

  function cameraToLayer(feature, latlng, context) {
    var p = feature.properties || {};
    if (p.cluster) {
      var m = L.marker(latlng, {icon: clusterIcon(p.n), keyboard: false});
      m.bindTooltip(String(Number(p.n) || 0) + " cameras: click to zoom in");
      return m;
    }
    var colour = OWNER_COLOURS[p.o] || "#adb5bd";
    var marker = L.circleMarker(latlng, {
      radius: 6, color: p.l ? "#00f5d4" : "#0b132b", weight: p.l ? 3 : 1,
      fillColor: colour, fillOpacity: 0.95, className: "cd-camera"
    });
    var shared = Number(p.k) || 0;
    marker.bindTooltip("Camera #" + String(Number(p.id) || 0) + (p.l ? " · live access" : "") +
                       (shared > 1 ? " · one of " + shared + " cameras at this site" : ""));
    var map = context && context.map;
    var zoom = map && typeof map.getZoom === "function" ? map.getZoom() : 0;
    var parts = [];
    var site = siteLatLng(p.site);
    if (site) {  // drawn apart from its site (dashboard/registry/spread.py): a thin line back to it
      parts.push(L.polyline([site, latlng], {color: "#93a4bd", weight: 1, opacity: 0.8, interactive: false,
                                             className: "cd-spread-leg"}));
    }
    if (p.d != null && p.f != null && isFinite(Number(p.d)) && zoom >= CONE_ZOOM) {
      parts.push(L.polygon(coneLatLngs(latlng, p.d, p.f, CONE_RADIUS_M), {
        color: colour, weight: 1, opacity: 0.6, fillColor: colour, fillOpacity: 0.18, className: "cd-cone",
        interactive: false  // a cone over a neighbour's marker must not take its click
      }));
    }
    if (!parts.length) {
      return marker;
    }
    parts.push(marker);
    // dash-leaflet reads e.layer.feature on click: every part must carry the feature
    parts.forEach(function (part) { part.feature = feature; });
    return L.featureGroup(parts);
  }

  function siteLatLng(site) {
    if (!site || site.length !== 2 || !isFinite(Number(site[0])) || !isFinite(Number(site[1]))) { return null; }
    return L.latLng(Number(site[1]), Number(site[0]));
  }

  /* An incident is a pin (a square turned on its point, with its priority written in it), drawn
     above every camera and cluster: nothing else on the map has that shape. */
  function incidentToLayer(feature, latlng) {
    var p = feature.properties || {};
    var priority = Number(p.priority) || 0;
    var pin = document.createElement("div");
    pin.appendChild(textElement("span", priority ? "P" + priority : "?"));
    var size = p.selected ? 34 : 28;
    var marker = L.marker(latlng, {
      icon: L.divIcon({html: pin, iconSize: L.point(size, size), iconAnchor: L.point(size / 2, size),
                       className: "cd-incident cd-incident-pin cd-incident-p" + priority + (p.selected ? " selected" : "")}),
      zIndexOffset: 10000 + priority * -100 + (p.selected ? 1000 : 0), riseOnHover: true, keyboard: false
    });
    var tip = document.createElement("div");
    tip.appendChild(textElement("strong", "P" + (Number(p.priority) || "?") + " · " + (p.incident_number || "")));
    tip.appendChild(document.createElement("br"));
    tip.appendChild(textElement("span", p.nature_of_call));
    marker.bindTooltip(tip);
    return marker;
  }

  function divisionStyle(feature, context) {
    var selected = (context && context.hideout && context.hideout.selected) || [];
    var on = selected.length === 0 || selected.indexOf(feature.properties.division) >= 0;
    return {color: on ? "#8ecae6" : "#41536b", weight: on ? 2 : 1, fill: true,
            fillOpacity: on && selected.length ? 0.06 : 0.0, fillColor: "#8ecae6", dashArray: on ? null : "4 4",
            interactive: false};
  }

  /* The reference layers' styles say interactive: false as well as their GeoJSON: on the shared
     canvas the last layer drawn takes a click, and these load after the first cameras, so a city
     or beat polygon would otherwise swallow every click on a camera of the first view. */
  window.connectDallas = window.connectDallas || {};
  function cityStyle() {
    return {color: "#e9c46a", weight: 2, fill: false, opacity: 0.7, dashArray: "6 4", interactive: false};
  }

  function beatStyle() {
    return {color: "#adb5bd", weight: 1, fill: true, fillOpacity: 0.0, opacity: 0.7, interactive: false};
  }

  /* Beat number as a permanent label: a 3-digit number only, set with textContent. */
  function beatTooltip(feature, layer) {
    var p = feature.properties || {};
    var beat = String(p.beat == null ? "" : p.beat).replace(/[^0-9]/g, "").slice(0, 4);
    if (!beat) { return; }
    layer.bindTooltip(textElement("span", beat), {permanent: true, direction: "center", className: "cd-beat-label",
                                                  interactive: false});
  }

  /* Beats shaded by cameras per km² of the cameras matching the filters: hideout.density (per
     beat), hideout.breaks (ascending class limits) and hideout.colours (one per class), from
     callbacks/summary.py; the legend on the map (#density-legend) is drawn from the same classes. */
  function densityClass(value, breaks) {
    var i = 0;
    while (i < breaks.length && value >= breaks[i]) { i++; }
    return i;
  }

  function densityStyle(feature, context) {
    var h = (context && context.hideout) || {};
    var d = Number((h.density || {})[feature.properties.beat]) || 0;
    var colours = h.colours || [];
    if (!d || !colours.length) {
      return {color: "#f4a261", weight: 0.5, opacity: 0.5, fill: false, interactive: false};
    }
    var colour = colours[Math.min(densityClass(d, h.breaks || []), colours.length - 1)];
    return {color: "#f4a261", weight: 0.5, opacity: 0.6, fill: true, fillColor: colour, fillOpacity: 0.6,
            interactive: false};
  }

  function taagStyle() {
    return {color: "#ff70a6", weight: 2, fill: true, fillColor: "#ff70a6", fillOpacity: 0.08, opacity: 0.8};
  }

  function taagTooltip(feature, layer) {
    var p = feature.properties || {};
    var tip = document.createElement("div");
    tip.appendChild(textElement("strong", "TAAG"));
    tip.appendChild(document.createTextNode(" "));
    tip.appendChild(textElement("span", p.TAAG_Name));
    layer.bindTooltip(tip, {sticky: true});
  }

  window.connectDallas.map = {
    cameraToLayer: cameraToLayer,
    incidentToLayer: incidentToLayer,
    divisionStyle: divisionStyle,
    cityStyle: cityStyle,
    beatStyle: beatStyle,
    beatTooltip: beatTooltip,
    taagStyle: taagStyle,
    densityStyle: densityStyle,
    densityClass: densityClass,
    taagTooltip: taagTooltip,
    coneLatLngs: coneLatLngs
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    layers: {
      /* layers-control.overlays (names ticked) + each overlay's name -> each overlay's checked */
      syncOverlays: function (ticked) {
        var names = Array.prototype.slice.call(arguments, 1);
        var on = ticked || [];
        return names.map(function (name) { return on.indexOf(name) >= 0; });
      }
    },
    incidents: {
      /* incident-store (dict by number) -> the incident layer's GeoJSON, located ones only */
      toGeojson: function (store, selected) {
        var features = [];
        Object.keys(store || {}).forEach(function (key) {
          var inc = store[key];
          if (inc == null || inc.latitude == null || inc.longitude == null) { return; }
          if (inc.hide_after && Date.parse(inc.hide_after) < Date.now()) { return; }  // cleared a while ago
          features.push({type: "Feature", geometry: {type: "Point", coordinates: [inc.longitude, inc.latitude]},
            properties: {incident_number: inc.incident_number, nature_of_call: inc.nature_of_call,
                         priority: inc.priority, selected: inc.incident_number === selected}});
        });
        features.sort(function (a, b) { return b.properties.priority - a.properties.priority; });
        return {type: "FeatureCollection", features: features};
      }
    }
  });
})();
