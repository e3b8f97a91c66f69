/* Dashboard refresh: fetch the figures' JSON every N seconds and swap the numbers in place. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.fetch) { return; }
  var url = root.dataset.refreshUrl;
  var seconds = Math.max(5, parseInt(root.dataset.refreshSeconds, 10) || 30);
  function apply(data) {
    Object.keys(data.valores).forEach(function (key) {
      root.querySelectorAll('[data-figure="' + key + '"]').forEach(function (el) { el.textContent = data.valores[key]; });
    });
    Object.keys(data.graficos).forEach(function (key) {
      var cell = root.querySelector('[data-chart="' + key + '"]');
      if (cell) { cell.innerHTML = data.graficos[key]; }  // server-rendered, escaped SVG
    });
    var alerts = root.querySelector("[data-alerts]");
    if (alerts && typeof data.alertas_html === "string") { alerts.innerHTML = data.alertas_html; }  // server-rendered, escaped
    var stamp = root.querySelector("[data-updated]");
    if (stamp) { stamp.textContent = data.atualizado_em; }
  }
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () { /* next tick tries again */ });
  }
  window.setInterval(refresh, seconds * 1000);
})();
