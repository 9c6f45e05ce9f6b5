// Small screens: the header's menu folds behind one button, and each cell of a table that
// is shown as stacked rows carries its column's name.
(function () {
  var toggle = document.querySelector(".nav-toggle");
  var header = document.querySelector("header.top");
  if (toggle && header) {
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.querySelectorAll("table.work").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) return;
    function label(root) {
      root.querySelectorAll("tr").forEach(function (tr) {
        var i = 0;
        Array.prototype.forEach.call(tr.children, function (td) {
          if (td.tagName === "TD" && !td.hasAttribute("data-label") && !td.hasAttribute("colspan") && heads[i]) {
            td.setAttribute("data-label", heads[i]);
          }
          i += td.colSpan || 1;
        });
      });
    }
    label(table);
    // Rows re-read in place (my work's refresh) get their labels too.
    new MutationObserver(function () { label(table); }).observe(table, {childList: true, subtree: true});
  });
})();

// What inline handlers used to do, so that the Content-Security-Policy needs no
// 'unsafe-inline': a <select data-autosubmit> sends its form when changed; a form with
// data-reset-after-success="#box" is cleared (and #box emptied) after a successful htmx request.
(function () {
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-reset-after-success]")) return;
    if (!event.detail.successful) return;
    form.reset();
    var box = document.querySelector(form.getAttribute("data-reset-after-success"));
    if (box) box.innerHTML = "";
  });
})();
