/* The video wall's player (layouts/live.py). No inline script: tiles carry data attributes and
 * this file, loaded by Dash with every asset, attaches to them as they appear.
 *   video[data-src]       an HLS relay playlist: hls.js (assets/vendor/hls.js), or native HLS
 *   img[data-snapshot]    an MJPEG camera: the latest frame, polled (a multipart stream would hold
 *                         one of the browser's six connections per tile)
 *   [data-expires-at]     the time left on the grant, counted down every second
 *   [data-fullscreen]     a button that puts the element it names in full screen
 * A device that fails shows "Camera offline" in its tile and is retried every few seconds. */
(function () {
  'use strict';
  var RETRY_MS = 3000;
  var FRAME_MS = 200;

  function tileOf(el) { return el.closest('.video-tile'); }

  function offline(el, isOffline) {
    var tile = tileOf(el);
    if (tile) { tile.classList.toggle('offline', isOffline); }
  }

  function startHls(video) {
    var src = video.getAttribute('data-src');
    video.muted = true;
    if (window.Hls && window.Hls.isSupported()) {
      // no worker: the app's CSP allows scripts from itself only (no blob: workers). A live wall:
      // start two 1 s segments behind the live edge and load the first one while the media
      // element is still being attached (startFragPrefetch); keep little buffer behind the
      // playhead, nine tiles may play for hours.
      var hls = new window.Hls({enableWorker: false, lowLatencyMode: true, startPosition: -1,
                                liveSyncDurationCount: 2, startFragPrefetch: true, maxBufferLength: 6,
                                backBufferLength: 4, manifestLoadingMaxRetry: 1,
                                levelLoadingMaxRetry: 1, fragLoadingMaxRetry: 1});
      video.__cdHls = hls;
      hls.on(window.Hls.Events.FRAG_BUFFERED, function () { offline(video, false); });
      hls.on(window.Hls.Events.ERROR, function (_e, data) {
        if (!data.fatal) { return; }
        offline(video, true);
        hls.destroy();
        video.__cdHls = null;
        setTimeout(function () { if (video.isConnected) { startHls(video); } }, RETRY_MS);
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = src;
      video.addEventListener('error', function () { offline(video, true); });
      video.addEventListener('playing', function () { offline(video, false); });
    }
    var playing = video.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }

  function startSnapshots(img) {
    var url = img.getAttribute('data-snapshot');
    var n = 0;
    function next(delay) {
      setTimeout(function () {
        if (img.isConnected) { img.src = url + '?n=' + (n++); }
      }, delay);
    }
    img.addEventListener('load', function () { offline(img, false); next(FRAME_MS); });
    img.addEventListener('error', function () { offline(img, true); next(RETRY_MS); });
    next(0);
  }

  function attach(root) {
    if (!root.querySelectorAll) { return; }
    var videos = root.matches && root.matches('video[data-src]') ? [root] : root.querySelectorAll('video[data-src]');
    Array.prototype.forEach.call(videos, function (v) {
      if (v.__cdSrc !== v.getAttribute('data-src')) { v.__cdSrc = v.getAttribute('data-src'); startHls(v); }
    });
    var imgs = root.matches && root.matches('img[data-snapshot]') ? [root] : root.querySelectorAll('img[data-snapshot]');
    Array.prototype.forEach.call(imgs, function (img) {
      if (!img.__cdStarted) { img.__cdStarted = true; startSnapshots(img); }
    });
  }

  function detach(root) {
    if (!root.querySelectorAll) { return; }
    var videos = root.matches && root.matches('video') ? [root] : root.querySelectorAll('video');
    Array.prototype.forEach.call(videos, function (v) {
      if (v.__cdHls) { v.__cdHls.destroy(); v.__cdHls = null; }
      v.__cdSrc = null;
    });
  }

  function timeLeft() {
    var now = Date.now();
    document.querySelectorAll('[data-expires-at]').forEach(function (el) {
      var iso = el.getAttribute('data-expires-at');
      if (!iso) { el.textContent = ''; return; }
      if (!/(Z|[+-]\d\d:\d\d)$/.test(iso)) { iso += 'Z'; }
      var left = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      el.textContent = minutes + ':' + (seconds < 10 ? '0' : '') + seconds + ' left';
    });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-fullscreen]');
    if (!button) { return; }
    var target = document.getElementById(button.getAttribute('data-fullscreen'));
    if (!target) { return; }
    if (document.fullscreenElement) { document.exitFullscreen(); } else if (target.requestFullscreen) {
      target.requestFullscreen().catch(function () { target.classList.toggle('pseudo-fullscreen'); });
    }
  });

  function observe() {
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        if (m.type === 'attributes') { attach(m.target); return; }
        m.addedNodes.forEach(attach);
        m.removedNodes.forEach(detach);
      });
    }).observe(document.body, {childList: true, subtree: true, attributes: true,
                               attributeFilter: ['data-src', 'data-snapshot']});
    attach(document.body);
    setInterval(timeLeft, 1000);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', observe);
  } else {
    observe();
  }
})();
