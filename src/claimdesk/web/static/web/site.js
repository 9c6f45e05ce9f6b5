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

// Read-aloud (elderly-friendly mode, 适老化): where the browser can speak, the button reads
// the page's main content aloud in Chinese (English on English pages); pressed again, it stops.
// Hidden where the browser has no speech synthesis.
(function () {
  var button = document.querySelector("[data-read-aloud]");
  if (!button || !window.speechSynthesis || typeof window.SpeechSynthesisUtterance !== "function") return;
  var synth = window.speechSynthesis;
  var idle = button.textContent;
  var stop = button.getAttribute("data-stop-label") || idle;
  var english = (document.documentElement.lang || "").toLowerCase().indexOf("en") === 0;
  function reset() {
    button.textContent = idle;
    button.setAttribute("aria-pressed", "false");
  }
  button.hidden = false;
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", function () {
    if (button.getAttribute("aria-pressed") === "true") {
      synth.cancel();
      reset();
      return;
    }
    var main = document.querySelector("main");
    var text = main ? main.innerText.replace(/\s+/g, " ").trim() : "";
    if (!text) return;
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = english ? "en-US" : "zh-CN";
    utterance.rate = 0.9;
    utterance.addEventListener("end", reset);
    utterance.addEventListener("error", reset);
    synth.cancel();
    button.textContent = stop;
    button.setAttribute("aria-pressed", "true");
    synth.speak(utterance);
  });
})();
