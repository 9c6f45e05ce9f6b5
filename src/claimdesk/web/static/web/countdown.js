// Live countdowns on "my work"; the rows themselves are re-read every minute.
(function () {
  function fmt(s, overdueLabel) {
    var neg = s < 0, a = Math.abs(s);
    var d = Math.floor(a / 86400), h = Math.floor(a % 86400 / 3600), m = Math.floor(a % 3600 / 60), sec = a % 60;
    var t = (d ? d + "d " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
    return neg ? overdueLabel + " " + t : t;
  }
  var started = Date.now();
  function tick() {
    var gone = Math.floor((Date.now() - started) / 1000);
    document.querySelectorAll("[data-seconds-left]").forEach(function (el) {
      var left = parseInt(el.dataset.secondsLeft, 10) - gone;
      el.textContent = fmt(left, el.dataset.overdueLabel || "-");
      el.closest("tr").classList.toggle("overdue", left < 0);
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
    });
  }
  tick();
  setInterval(tick, 1000);
  setInterval(refresh, 60000);
})();
