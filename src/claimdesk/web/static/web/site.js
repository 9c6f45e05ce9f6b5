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
