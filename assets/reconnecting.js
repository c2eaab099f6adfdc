// While the database is down the server answers Dash callbacks with 503 + Retry-After
// (dashboard/outage_views.py). Then: show a "reconnecting" banner, and retry the newest request
// of each callback until the server answers again, so what the user did meanwhile (a pan, a
// filter, a poll) is drawn once the database is back. Older requests of the same callback stop
// retrying (Dash keeps only the newest answer anyway).
(function () {
  "use strict";
  var realFetch = window.fetch.bind(window);
  var GIVE_UP_MS = 10 * 60 * 1000;
  var newest = {};
  var seq = 0;

  function banner(show) {
    var el = document.getElementById("reconnecting-banner");
    if (!el && show) {
      el = document.createElement("div");
      el.id = "reconnecting-banner";
      el.setAttribute("role", "status");
      el.setAttribute("aria-live", "polite");
      el.textContent = "Reconnecting to the database\u2026 what you see may be out of date.";
      el.style.cssText = "position:fixed;top:0;left:50%;transform:translateX(-50%);z-index:10000;" +
        "background:#8a1c1c;color:#fff;padding:6px 16px;border-radius:0 0 6px 6px;font:600 14px sans-serif;";
      document.body.appendChild(el);
    }
    if (el) { el.hidden = !show; }
  }

  function outage(resp) {
    return resp.status === 503 && resp.headers.has("Retry-After");
  }

  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    if (url.indexOf("_dash-update-component") === -1 || !init || typeof init.body !== "string") {
      return realFetch(input, init);
    }
    var key = "";
    try { key = JSON.parse(init.body).output || ""; } catch (e) { key = ""; }
    var id = ++seq;
    newest[key] = id;
    var started = Date.now();

    function retryLater(seconds, resp, err) {
      banner(true);
      if (newest[key] !== id || Date.now() - started > GIVE_UP_MS) {
        if (resp) { return resp; }
        throw err;
      }
      return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); }).then(attempt);
    }

    function attempt() {
      return realFetch(input, init).then(function (resp) {
        if (!outage(resp)) { banner(false); return resp; }
        var wait = Math.min(Math.max(parseFloat(resp.headers.get("Retry-After")) || 2, 1), 10);
        return retryLater(wait, resp, null);
      }, function (err) { return retryLater(2, null, err); });  // the server itself is restarting
    }
    return attempt();
  };
})();
