// The ftprep report page's filters: no framework, no network. Without scripts every finding shows.
(function () {
  document.querySelectorAll("section.findings").forEach(function (sec) {
    var boxes = sec.querySelectorAll("input[data-severity]");
    var pick = sec.querySelector("select.code");
    var shown = sec.querySelector(".shown");
    function apply() {
      var sev = {};
      boxes.forEach(function (b) { sev[b.dataset.severity] = b.checked; });
      var code = pick.value, n = 0;
      sec.querySelectorAll("tr[data-code]").forEach(function (tr) {
        var ok = sev[tr.dataset.severity] !== false && (!code || tr.dataset.code === code);
        tr.hidden = !ok;
        if (ok && tr.classList.contains("finding")) n++;
      });
      shown.textContent = n.toLocaleString("en");
    }
    boxes.forEach(function (b) { b.addEventListener("change", apply); });
    pick.addEventListener("change", apply);
    sec.filterCode = function (code) { pick.value = code; boxes.forEach(function (b) { b.checked = true; }); apply(); };
    apply();
  });
  // A code in the summary shows its findings only.
  document.querySelectorAll("a[data-code]").forEach(function (a) {
    a.addEventListener("click", function () {
      var sec = document.getElementById(a.getAttribute("href").slice(1));
      if (sec && sec.filterCode) sec.filterCode(a.dataset.code);
    });
  });
})();
