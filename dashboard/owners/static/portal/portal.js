/* Public registration form: the pin map (vendored Leaflet), "use my location", the camera
   count that adds or removes camera fieldsets, and the business-name field. Everything works
   without this script: coordinates can be typed and "Add another camera" re-renders. */
(function () {
  "use strict";
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  var mapEl = document.getElementById("pin-map");
  var marker = null, map = null;

  function setPosition(la, lo, pan) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (map) {
      if (!marker) {
        marker = L.marker([la, lo], {draggable: true, keyboard: true}).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          setPosition(p.lat, p.lng, false);
        });
      } else {
        marker.setLatLng([la, lo]);
      }
      if (pan) { map.setView([la, lo], Math.max(map.getZoom(), 16)); }
    }
  }

  if (mapEl && window.L && lat && lon) {
    mapEl.hidden = false;
    var center = [parseFloat(mapEl.dataset.lat), parseFloat(mapEl.dataset.lon)];
    map = L.map(mapEl).setView(center, parseInt(mapEl.dataset.zoom, 10) || 11);
    if (mapEl.dataset.tiles) {
      L.tileLayer(mapEl.dataset.tiles, {maxZoom: 19, attribution: mapEl.dataset.attribution || ""}).addTo(map);
    }
    map.on("click", function (e) { setPosition(e.latlng.lat, e.latlng.lng, false); });
    var la0 = parseFloat(lat.value), lo0 = parseFloat(lon.value);
    if (!isNaN(la0) && !isNaN(lo0)) { setPosition(la0, lo0, true); }
    function typed() {
      var la = parseFloat(lat.value), lo = parseFloat(lon.value);
      if (!isNaN(la) && !isNaN(lo)) { setPosition(la, lo, true); }
    }
    lat.addEventListener("change", typed);
    lon.addEventListener("change", typed);
  }

  var locate = document.getElementById("use-my-location");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPosition(pos.coords.latitude, pos.coords.longitude, true);
      }, function () {
        window.alert(locate.dataset.unavailable);
      }, {enableHighAccuracy: true, timeout: 10000});
    });
  }

  // camera count: clone the first fieldset or drop the last ones
  var count = document.getElementById("camera_count");
  var box = document.getElementById("cameras");
  if (count && box) {
    count.addEventListener("change", function () {
      var max = parseInt(count.max, 10) || 100;
      var n = Math.max(1, Math.min(max, parseInt(count.value, 10) || 1));
      count.value = n;
      var sets = box.querySelectorAll("fieldset.camera");
      for (var i = sets.length; i < n; i++) {
        var copy = sets[0].cloneNode(true);
        copy.dataset.prefix = "cam-" + i + "-";
        copy.querySelector("legend").textContent = count.dataset.label.replace("{n}", i + 1);
        copy.querySelectorAll("[id],[name],[for],[aria-describedby]").forEach(function (el) {
          ["id", "name", "for", "aria-describedby"].forEach(function (a) {
            var v = el.getAttribute(a);
            if (v) { el.setAttribute(a, v.replace(/^cam-0-/, "cam-" + i + "-")); }
          });
          if (el.tagName === "INPUT" && el.type === "text") { el.value = ""; }
          if (el.tagName === "INPUT" && el.type === "checkbox") { el.checked = false; }
          if (el.tagName === "INPUT" && el.type === "radio") { el.checked = el.value === "none"; }
          el.removeAttribute("aria-invalid");
        });
        copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
        box.appendChild(copy);
      }
      for (var j = sets.length - 1; j >= n; j--) { sets[j].remove(); }
    });
  }

  // the business name only matters for businesses and organizations
  var block = document.getElementById("business-name-block");
  var radios = document.querySelectorAll("input[name=owner_type]");
  function showBusiness() {
    var checked = document.querySelector("input[name=owner_type]:checked");
    if (block) { block.hidden = !checked || checked.value === "resident"; }
  }
  radios.forEach(function (r) { r.addEventListener("change", showBusiness); });
  showBusiness();
})();
