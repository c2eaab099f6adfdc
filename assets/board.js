/* The CAD drawer's list, drawn in the browser from the incident store (which each poll patches
   with only what changed), so a poll never sends the store back and the server never rebuilds
   the list. The texts of an incident (title, place, facts, "cleared") are made once on the
   server (layouts.incidents.incident_texts); here only the clock, the filters and the order.
   Also loaded by node in tests/unit/test_board_js.py. */
(function (root) {
  "use strict";

  /* "just now", "12 min ago", "3 h 05 min ago" from an ISO time; "" when unknown */
  function age(receivedAt, nowMs) {
    var t = receivedAt ? Date.parse(receivedAt) : NaN;
    if (isNaN(t)) { return ""; }
    var minutes = Math.floor((nowMs - t) / 60000);
    if (minutes < 1) { return "just now"; }
    if (minutes < 60) { return minutes + " min ago"; }
    var rest = minutes % 60;
    return Math.floor(minutes / 60) + " h " + (rest < 10 ? "0" : "") + rest + " min ago";
  }

  /* The incidents to list, most urgent first, newest first within a priority. */
  function board(store, divisions, priorities, status, nowMs) {
    var out = [];
    var wantDivisions = divisions || [], wantPriorities = (priorities || []).map(Number);
    Object.keys(store || {}).forEach(function (key) {
      var inc = store[key];
      if (inc == null) { return; }
      if (inc.hide_after && Date.parse(inc.hide_after) < nowMs) { return; }  // cleared a while ago
      if ((status === "open" && inc.cleared) || (status === "cleared" && !inc.cleared)) { return; }
      if (wantDivisions.length && wantDivisions.indexOf(inc.division || "") < 0) { return; }
      if (wantPriorities.length && wantPriorities.indexOf(inc.priority) < 0) { return; }
      out.push(inc);
    });
    function received(inc) {
      var t = inc.received_at ? Date.parse(inc.received_at) : NaN;
      return isNaN(t) ? nowMs : t;
    }
    return out.sort(function (a, b) {
      return ((a.priority || 9) - (b.priority || 9)) || (received(b) - received(a));
    });
  }

  function component(type, props) {
    return {namespace: "dash_html_components", type: type, props: props};
  }

  function item(inc, selected, nowMs) {
    var number = inc.incident_number;
    var facts = [].concat(inc.facts_before || [], [age(inc.received_at, nowMs)], inc.facts_after || [])
      .filter(function (x) { return x; });
    return component("Button", {
      id: {type: "incident-item", index: number},
      className: "cd-incident-item p" + inc.priority + (number === selected ? " selected" : ""),
      n_clicks: 0,
      children: [
        component("Strong", {children: inc.title}),
        component("Div", {children: inc.place_line, className: "cd-incident-meta"}),
        component("Div", {children: facts.join(" · "), className: "cd-incident-meta"})
      ]
    });
  }

  function renderList(store, selected, divisions, priorities, status, nowMs) {
    var now = nowMs == null ? Date.now() : nowMs;
    var shown = board(store, divisions, priorities, status, now);
    if (!shown.length) {
      var anyStored = Object.keys(store || {}).some(function (k) { return store[k] != null; });
      return [component("Div", {className: "cd-empty", children: anyStored
        ? "No incident matches these filters." : "No incidents from CAD in the last 24 hours."})];
    }
    return shown.map(function (inc) { return item(inc, selected, now); });
  }

  /* The drawer's total over the calls its division and priority filters let through (whatever
     the open/all toggle shows): "42 calls, 17 open"; "" before the first poll. */
  function countText(store, divisions, priorities, nowMs) {
    var now = nowMs == null ? Date.now() : nowMs;
    var keys = Object.keys(store || {});
    if (!keys.length) { return ""; }
    var calls = board(store, divisions, priorities, "all", now);
    var open = calls.filter(function (inc) { return !inc.cleared; }).length;
    var filtered = (divisions || []).length || (priorities || []).length;
    return calls.length + (calls.length === 1 ? " call, " : " calls, ") + open + " open" +
      (filtered ? " (filtered)" : "");
  }

  var api = {age: age, board: board, renderList: renderList, countText: countText};
  if (typeof module !== "undefined" && module.exports) { module.exports = api; return; }

  var clientside = root.dash_clientside = root.dash_clientside || {};
  clientside.board = {
    /* incident-store, selected-incident, the three filters, board-clock -> incident-list */
    list: function (store, selected, divisions, priorities, status) {
      return renderList(store, selected, divisions, priorities, status, Date.now());
    },
    /* incident-store, the division and priority filters, board-clock -> incident-count */
    count: function (store, divisions, priorities) {
      return countText(store, divisions, priorities, Date.now());
    },
    /* a click on a list item or a pin -> selected-incident; a re-drawn list is no click */
    select: function () {
      var ctx = root.dash_clientside.callback_context;
      var noUpdate = root.dash_clientside.no_update;
      var fired = (ctx && ctx.triggered) || [];
      var pin = arguments[1];
      for (var i = 0; i < fired.length; i++) {
        var prop = fired[i].prop_id || "";
        if (prop.indexOf("incident-item") >= 0 && fired[i].value) {
          return JSON.parse(prop.slice(0, prop.lastIndexOf("."))).index;
        }
        if (prop === "incident-layer.clickData" && pin) {
          return (pin.properties || {}).incident_number || noUpdate;
        }
      }
      return noUpdate;
    },
    /* the selected incident's own record: changes only when that incident changes, so the
       nearest-cameras view is not recomputed by polls that bring other incidents */
    selectedRecord: function (selected, store, previous) {
      var record = (store || {})[selected || ""] || null;
      if (JSON.stringify(record) === JSON.stringify(previous == null ? null : previous)) {
        return root.dash_clientside.no_update;
      }
      return record;
    }
  };
})(typeof window !== "undefined" ? window : this);
