/* The screens people use: wall mode (?wall=1 or the Wall button), the phone's bottom sheets,
   the case drawer, copy link, print, and the keyboard shortcuts with their help overlay (?).
   Browser-only behaviour, bound by event delegation because Dash renders the buttons later. */
(function () {
  'use strict';
  var root = document.documentElement;
  var SHEETS = ['', 'side', 'filters'];

  function byId(id) { return document.getElementById(id); }

  function setWall(on) {
    root.classList.toggle('cd-wall', on);
    try { sessionStorage.setItem('cd-wall', on ? '1' : '0'); } catch (e) { /* private mode */ }
    window.dispatchEvent(new Event('resize'));   // Leaflet re-measures the map
  }

  function toggle(id, force) {
    var el = byId(id);
    if (!el) { return false; }
    var show = force === undefined ? el.classList.contains('cd-hidden') : force;
    el.classList.toggle('cd-hidden', !show);
    return show;
  }

  function toggleCases(force) {
    var shown = toggle('case-workspace', force);
    root.classList.toggle('cd-case-shown', shown);
    if (shown) {
      var first = document.querySelector('#case-workspace input, #case-workspace button');
      if (first && window.innerWidth > 600) { first.focus({ preventScroll: true }); }
    }
  }

  function nextSheet() {
    var now = root.getAttribute('data-sheet') || '';
    var next = SHEETS[(SHEETS.indexOf(now) + 1) % SHEETS.length];
    if (next) { root.setAttribute('data-sheet', next); } else { root.removeAttribute('data-sheet'); }
  }

  function copyLink() {
    var done = function () {
      var b = byId('copy-link');
      if (b) { b.textContent = 'Link copied'; setTimeout(function () { b.textContent = 'Copy link'; }, 2000); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(location.href).then(done, function () { window.prompt('Copy this link', location.href); });
    } else {
      window.prompt('Copy this link', location.href);
    }
  }

  function printCase() {
    toggleCases(true);
    root.classList.add('cd-printing-case');
    window.print();
    root.classList.remove('cd-printing-case');
  }

  var ACTIONS = {
    'case-toggle': function () { toggleCases(); },
    'case-hide': function () { toggleCases(false); },
    'wall-toggle': function () { setWall(!root.classList.contains('cd-wall')); },
    'sheet-toggle': nextSheet,
    'copy-link': copyLink,
    'help-toggle': function () { toggle('help-overlay'); },
    'case-print-button': printCase
  };

  document.addEventListener('click', function (ev) {
    var el = ev.target && ev.target.closest && ev.target.closest('button[id]');
    if (el && ACTIONS[el.id]) { ACTIONS[el.id](); return; }
    if (ev.target && ev.target.id === 'help-overlay') { toggle('help-overlay', false); }
    // picking an incident or a camera on the phone brings up the panel that shows it
    if (window.innerWidth <= 600 && ev.target.closest &&
        (ev.target.closest('.cd-incident-item') || ev.target.closest('.leaflet-interactive'))) {
      root.setAttribute('data-sheet', 'side');
    }
  });

  function typing(target) {
    var tag = target && target.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (target && target.isContentEditable);
  }

  var KEYS = {
    '?': function () { toggle('help-overlay'); },
    'c': function () { if (byId('case-workspace')) { toggleCases(); } },
    'w': ACTIONS['wall-toggle'],
    'l': copyLink,
    'p': function () { if (byId('case-workspace')) { printCase(); } },
    '/': function () { var s = byId('search-box'); if (s) { s.focus(); } },
    'i': function () {
      var first = document.querySelector('#incident-list .cd-incident-item');
      if (first) { first.focus(); }
      if (window.innerWidth <= 600) { root.setAttribute('data-sheet', 'side'); }
    },
    'Escape': function () {
      toggle('help-overlay', false);
      if (root.classList.contains('cd-case-shown')) { toggleCases(false); }
      root.removeAttribute('data-sheet');
    }
  };

  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (typing(ev.target) && ev.key !== 'Escape') { return; }
    var act = KEYS[ev.key];
    if (act) { ev.preventDefault(); act(); }
  });

  // on the phone, a camera picked on the map brings up the sheet that shows its details
  var lastCamera = '';
  window.setInterval(function () {
    var label = byId('camera-detail-label');
    var text = label ? label.textContent : '';
    if (text && text !== lastCamera && window.innerWidth <= 600) { root.setAttribute('data-sheet', 'side'); }
    lastCamera = text;
  }, 500);

  var params = new URLSearchParams(location.search);
  var stored = null;
  try { stored = sessionStorage.getItem('cd-wall'); } catch (e) { /* private mode */ }
  if (params.get('wall') === '1' || (stored === '1' && params.get('wall') !== '0')) { setWall(true); }
})();
