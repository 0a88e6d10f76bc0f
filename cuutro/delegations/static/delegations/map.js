// Delegations map: one marker per commune and day, red where two delegations meet.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var data = document.getElementById("delegation-points");
  if (!el || !data || !window.L || !window.cuutroPointMap) return;
  window.cuutroPointMap(el, JSON.parse(data.textContent), function (p) {
    var lines = p.delegations.slice();
    if (p.conflict) lines.push(el.dataset.conflictLabel);
    return { colour: p.conflict ? "#b3261e" : "#1f5fa8", title: p.date + " · " + p.commune, lines: lines, link: null };
  }, { maxZoom: 13 });
})();
