(function () {
  var rule = document.getElementById("f-rule"), sev = document.getElementById("f-sev"),
      req = document.getElementById("f-req"), count = document.getElementById("f-count");
  var rows = document.querySelectorAll("#findings tbody tr");
  function apply() {
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!rule.value || r.getAttribute("data-rule") === rule.value) &&
               (!sev.value || r.getAttribute("data-severity") === sev.value) &&
               (!req.value || (" " + r.getAttribute("data-req") + " ").indexOf(" " + req.value + " ") >= 0);
      r.hidden = !ok;
      if (ok) { shown++; }
    }
    count.textContent = shown + " of " + rows.length + " rows shown";
  }
  rule.addEventListener("change", apply); sev.addEventListener("change", apply); req.addEventListener("change", apply);
  var links = document.querySelectorAll("a[data-filter-req], a[data-filter-rule]");
  for (var j = 0; j < links.length; j++) {
    links[j].addEventListener("click", function (e) {
      req.value = this.getAttribute("data-filter-req") || "";
      rule.value = this.getAttribute("data-filter-rule") || "";
      sev.value = "";
      apply();
    });
  }
  apply();
})();
