/* talks2022 statement explorer: filters and text search over the table of all statements (explorer page).
   The table reads without this script; the script only hides rows. Own code, no library, no network. */
(function () {
  "use strict";
  function start() {
    var table = document.getElementById("t22-explorer");
    var form = document.getElementById("t22-explorer-form");
    if (!table || !form) { return; }
    var count = document.getElementById("t22-explorer-count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var controls = Array.prototype.slice.call(form.querySelectorAll("[data-filter]"));
    var only = null; // ?ids=S01-1,S02-3: just these statements
    var params = new URLSearchParams(window.location.search);
    if (params.get("ids")) { only = params.get("ids").split(","); }
    controls.forEach(function (control) {
      var given = params.get(control.getAttribute("data-filter"));
      if (given !== null) { control.value = given; }
    });
    function apply() {
      var wanted = {};
      controls.forEach(function (control) {
        wanted[control.getAttribute("data-filter")] = control.value.trim().toLowerCase();
      });
      var words = wanted.text ? wanted.text.split(/\s+/) : [];
      var shown = 0;
      rows.forEach(function (row) {
        var keep = (!only || only.indexOf(row.id) >= 0);
        ["actor", "issue", "round", "kind"].forEach(function (name) {
          if (keep && wanted[name] && row.getAttribute("data-" + name).toLowerCase() !== wanted[name]) { keep = false; }
        });
        var text = row.getAttribute("data-text");
        words.forEach(function (word) { if (keep && text.indexOf(word) < 0) { keep = false; } });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = "Showing " + shown + " of " + rows.length + " statements" +
        (only ? " (the " + only.length + " statements of the mark you opened; Show all to see every one)" : "") + ".";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { only = null; window.setTimeout(apply, 0); });
    function reveal() {
      var id = decodeURIComponent(window.location.hash.slice(1));
      var target = id && document.getElementById(id);
      if (target && target.hidden) { only = null; form.reset(); apply(); }
      if (target) { target.scrollIntoView(); }
    }
    window.addEventListener("hashchange", reveal);
    form.hidden = false;
    apply();
    if (window.location.hash && !only) { reveal(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
