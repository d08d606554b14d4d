// Offline or blocked CDN: load the pinned local copy of the same htmx version.
(function () {
  if (window.htmx) return;
  var local = document.currentScript && document.currentScript.dataset.local;
  if (local) document.write('<script src="' + local + '"><\/script>');
})();
