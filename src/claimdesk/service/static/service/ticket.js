// Live compliance feedback on the reply box: the compliance app's fragment, re-read as the
// agent types (debounced). Without the script or the fragment the server still refuses.
(function () {
  var box = document.querySelector("[data-check-url]");
  var out = document.getElementById("compliance-feedback");
  if (!box || !out) return;
  var form = box.form, timer = null, seq = 0;
  function check() {
    var mine = ++seq, data = new FormData();
    data.append("text", box.value);
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fetch(box.dataset.checkUrl, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (mine === seq) out.innerHTML = html; })
      .catch(function () {});
  }
  box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 300); });
  if (box.value) check();
})();
