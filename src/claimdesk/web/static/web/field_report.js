// The surveyor's field report on a phone: loss-item rows added and removed with a live
// total, previews of the chosen photos, a finger signature captured as PNG, and a draft of
// the typed fields kept on this phone until the report is submitted.
(function () {
  var form = document.querySelector("form.field-report");
  if (!form) return;
  var rows = form.querySelector(".loss-rows");
  var template = document.getElementById("loss-row-template");
  var total = form.querySelector("[name=loss-TOTAL_FORMS]");
  var totalOut = form.querySelector("[data-testid=loss-total]");

  // --- loss items ---------------------------------------------------------------------------
  function renumber() {
    var list = rows.querySelectorAll(".loss-row");
    list.forEach(function (row, i) {
      row.querySelector(".row-no").textContent = i + 1;
      row.querySelectorAll("input, select, textarea, label").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(/loss-(\d+|__prefix__)-/, "loss-" + i + "-"));
        });
      });
      row.querySelector("[data-remove-row]").hidden = list.length < 2;
    });
    total.value = list.length;
    sum();
  }
  function sum() {
    var fen = 0;
    rows.querySelectorAll("input[name$=-amount]").forEach(function (el) {
      var v = parseFloat(el.value);
      if (isFinite(v) && v >= 0) fen += Math.round(v * 100);
    });
    totalOut.textContent = "¥" + (fen / 100).toFixed(2);
  }
  function addRow(focus) {
    var node = template.content.firstElementChild.cloneNode(true);
    rows.appendChild(node);
    renumber();
    if (focus) node.querySelector("input").focus();
    return node;
  }
  form.querySelector("[data-add-row]").addEventListener("click", function () { addRow(true); });
  rows.addEventListener("click", function (e) {
    var button = e.target.closest("[data-remove-row]");
    if (!button) return;
    button.closest(".loss-row").remove();
    renumber();
    saveDraft();
  });
  rows.addEventListener("input", sum);

  // --- photos ---------------------------------------------------------------------------------
  var photos = form.querySelector("input[type=file]");
  var thumbs = form.querySelector("[data-thumbs]");
  var count = form.querySelector("[data-testid=photo-count]");
  photos.addEventListener("change", function () {
    thumbs.innerHTML = "";
    Array.prototype.forEach.call(photos.files, function (file) {
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      thumbs.appendChild(img);
    });
    var n = photos.files.length;
    count.textContent = n ? (count.dataset.label || "{n}").replace("{n}", n) : "";
  });

  // --- signature ------------------------------------------------------------------------------
  var canvas = form.querySelector("[data-signature-pad]");
  var field = form.querySelector("input[name=signature]");
  var ctx = canvas.getContext("2d");
  var drawing = false, inked = false;
  function fit() {
    var ratio = window.devicePixelRatio || 1, box = canvas.getBoundingClientRect();
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.5;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    if (field.value) {
      var img = new Image();
      img.onload = function () { ctx.drawImage(img, 0, 0, box.width, box.height); inked = true; };
      img.src = field.value;
    }
  }
  function point(e) {
    var box = canvas.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  }
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    var p = point(e);
    ctx.beginPath();
    ctx.moveTo(p[0], p[1]);
    ctx.lineTo(p[0] + 0.1, p[1] + 0.1);
    ctx.stroke();
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = point(e);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    inked = true;
    e.preventDefault();
  });
  function end() {
    if (!drawing) return;
    drawing = false;
    if (inked) field.value = canvas.toDataURL("image/png");
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  form.querySelector("[data-clear-signature]").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    field.value = "";
    inked = false;
  });

  // --- draft on this phone --------------------------------------------------------------------
  var key = form.dataset.draftKey, state = form.querySelector("[data-draft-state]");
  function typed() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !/^(csrfmiddlewaretoken|signature|loss-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)$/.test(el.name)
        && el.type !== "file" && el.type !== "hidden";
    });
  }
  function saveDraft() {
    var data = {rows: rows.querySelectorAll(".loss-row").length, fields: {}};
    typed().forEach(function (el) { data.fields[el.name] = el.value; });
    try {
      localStorage.setItem(key, JSON.stringify(data));
      state.textContent = state.dataset.saved || "";
    } catch (err) { /* private mode: no draft */ }
  }
  function restoreDraft() {
    var data;
    try { data = JSON.parse(localStorage.getItem(key) || "null"); } catch (err) { data = null; }
    if (!data) return;
    while (rows.querySelectorAll(".loss-row").length < data.rows) addRow(false);
    typed().forEach(function (el) {
      if (Object.prototype.hasOwnProperty.call(data.fields, el.name)) el.value = data.fields[el.name];
    });
    state.textContent = state.dataset.restored || "";
  }
  var timer = null;
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(saveDraft, 400);
  });
  form.addEventListener("submit", function () {
    end();
    try { localStorage.removeItem(key); } catch (err) { /* nothing kept */ }
  });

  if (!form.hasAttribute("data-bound")) restoreDraft();
  else {
    // Refused: bring the first marked field into view.
    var first = form.querySelector(".invalid input:not([type=hidden]), .invalid textarea, .invalid canvas");
    if (first) first.scrollIntoView({block: "center"});
  }
  renumber();
  fit();
  window.addEventListener("resize", function () {
    if (canvas.width !== Math.round(canvas.getBoundingClientRect().width * (window.devicePixelRatio || 1))) fit();
  });
})();
