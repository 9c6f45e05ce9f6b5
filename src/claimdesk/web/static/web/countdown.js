// Live countdowns ("my work", clocks on a case); the work rows are re-read every minute.
// Same format as the server's views.countdown_text: "2天 03:04:05", "已超时 00:12:00".
(function () {
  var labels = document.body.dataset;
  function fmt(s) {
    var neg = s < 0, a = Math.abs(s);
    var d = Math.floor(a / 86400), h = Math.floor(a % 86400 / 3600), m = Math.floor(a % 3600 / 60), sec = a % 60;
    var t = (d ? d + (labels.dayLabel || "d") + " " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
    return neg ? (labels.overdueLabel || "-") + " " + t : t;
  }
  var started = Date.now();
  function tick() {
    var gone = Math.floor((Date.now() - started) / 1000);
    document.querySelectorAll("[data-seconds-left]").forEach(function (el) {
      var left = parseInt(el.dataset.secondsLeft, 10) - gone;
      el.textContent = fmt(left);
      var row = el.closest("tr");
      if (row && left < 0 && row.classList.contains("soon")) {
        row.classList.replace("soon", "overdue");
      }
    });
  }
  function refresh() {
    var table = document.querySelector("[data-refresh]");
    if (!table) return;
    fetch(table.dataset.refresh, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) return;
      document.getElementById("work-rows").innerHTML = html;
      started = Date.now();
      tick();
    }).catch(function () {});
  }
  tick();
  setInterval(tick, 1000);
  if (document.querySelector("[data-refresh]")) setInterval(refresh, 60000);
})();
