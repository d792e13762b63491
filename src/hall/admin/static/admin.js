/* hall's back office: progressive enhancement only; every page works without this script.
   - buttons with data-confirm ask before submitting (停用, 删除);
   - the persona page previews a state's expression and gesture as they are chosen;
   - the lexicon page warns before leaving with unsaved text. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  function previewPersona() {
    var img = document.getElementById("persona-preview");
    var label = document.getElementById("persona-preview-label");
    if (!img) { return; }
    function show(fieldset) {
      var state = fieldset.getAttribute("data-state");
      var expression = fieldset.querySelector("select[name='expression_" + state + "']").value;
      var gesture = fieldset.querySelector("select[name='gesture_" + state + "']").value;
      var text = fieldset.getAttribute("data-label") + "（" +
        fieldset.querySelector("select[name='expression_" + state + "'] option:checked").textContent + "，" +
        fieldset.querySelector("select[name='gesture_" + state + "'] option:checked").textContent + "）";
      img.src = "/admin/persona/preview.svg?expression=" + encodeURIComponent(expression) +
        "&gesture=" + encodeURIComponent(gesture);
      img.alt = "导办员预览：" + text;
      if (label) { label.textContent = "预览：" + text; }
    }
    document.querySelectorAll("fieldset.state").forEach(function (fieldset) {
      fieldset.addEventListener("change", function () { show(fieldset); });
      fieldset.addEventListener("focusin", function () { show(fieldset); });
      var button = fieldset.querySelector("button.show-look");
      if (button) {
        button.hidden = false;
        button.addEventListener("click", function () { show(fieldset); });
      }
    });
  }

  function guardLexicon() {
    var area = document.getElementById("bank-text");
    if (!area || area.readOnly) { return; }
    var original = area.value;
    var submitting = false;
    area.form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && area.value !== original) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  /* The home page's chart of questions per day, when Chart.js (served from the package) is
     there; the same numbers are in the table under it either way. */
  function chartDays() {
    var canvas = document.getElementById("chart-days");
    if (!canvas || !window.Chart) { return; }
    var series = JSON.parse(canvas.getAttribute("data-series"));
    var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: series.days.map(function (d) { return d.slice(5); }),
        datasets: [
          { label: "直接解答", data: series.answer, backgroundColor: "#0b4a8b" },
          { label: "确认选项", data: series.clarify, backgroundColor: "#c77800" },
          { label: "未能解答", data: series.none, backgroundColor: "#a3161b" }
        ]
      },
      options: {
        animation: reduced ? false : undefined,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    previewPersona();
    guardLexicon();
    chartDays();
  });
})();
