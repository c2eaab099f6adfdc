/* Notifications for a new P1/P2 call: the dashboard already shows #incident-alert; this adds
   the optional sound and browser notification the user switched on (read from #notify-prefs,
   kept in the database per user). The browser's permission is asked once, when the user ticks
   "browser notification" (a click: browsers refuse to ask otherwise). No inline script: the
   page runs under a strict Content-Security-Policy. */
(function () {
  'use strict';
  var lastAlert = '';

  function pref(name) {
    var el = document.getElementById('notify-prefs');
    return !!el && el.getAttribute('data-' + name) === '1';
  }

  function alertText() {
    var el = document.getElementById('incident-alert');
    if (!el) { return ''; }
    var strong = el.querySelector('.cd-alert');
    return strong ? strong.textContent.replace(/Dismiss$/, '').trim() : '';
  }

  function announce(text) {
    if (pref('alert-sound')) {
      var audio = document.getElementById('alert-sound');
      if (audio && audio.play) {
        audio.currentTime = 0;
        var played = audio.play();
        if (played && played.catch) { played.catch(function () { /* autoplay refused until a click */ }); }
      }
      document.documentElement.setAttribute('data-alert-sounded', String(Date.now()));
    }
    if (pref('browser-notifications') && window.Notification && Notification.permission === 'granted') {
      try { new Notification('CONNECT DALLAS: new call', { body: text, tag: 'cd-incident-alert' }); }
      catch (e) { /* some browsers allow notifications only from a service worker */ }
    }
  }

  function check() {
    var text = alertText();
    if (text && text !== lastAlert) { announce(text); }
    lastAlert = text;
  }

  document.addEventListener('change', function (ev) {
    var box = ev.target;
    if (!box || box.type !== 'checkbox' || box.value !== 'browser_notifications' || !box.checked) { return; }
    if (!box.closest || !box.closest('#notify-switches') || !window.Notification) { return; }
    if (Notification.permission === 'default') {
      Notification.requestPermission();
      try { localStorage.setItem('cd-notify-asked', '1'); } catch (e) { /* private mode */ }
    }
  });

  document.addEventListener('click', function (ev) {
    var toast = ev.target && ev.target.closest && ev.target.closest('#footage-notice');
    if (toast) { toast.classList.add('cd-hidden'); }
  });

  // one cheap comparison a second: no observer to re-attach when Dash replaces the node
  window.setInterval(check, 1000);
})();
