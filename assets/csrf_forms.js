/* Forms that post from the dashboard (sign out, the canvass export) carry the session's CSRF
   token: the same `_csrf_token` cookie Dash's renderer copies into its X-CSRFToken header.
   The layouts are built without a request, so the token is added here at submit time.
   Actions with a side effect are POSTs with this token: a link on another site cannot forge one. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form || (form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
  var match = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]+)/);
  if (!match) { return; }
  var input = form.querySelector('input[name="csrf_token"]');
  if (!input) {
    input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrf_token";
    form.appendChild(input);
  }
  input.value = decodeURIComponent(match[1]);
}, true);
