// Area dashboard map: one marker per commune, coloured by its most pressing board status.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var data = document.getElementById("dashboard-points");
  if (!el || !data || !window.L || !window.cuutroPointMap) return;
  var colours = { urgent: "#b3261e", needed: "#d9480f", enough: "#1e6b34", oversupplied: "#8a847f", none: "#1f5fa8" };
  window.cuutroPointMap(el, JSON.parse(data.textContent), function (p) {
    return { colour: colours[p.status] || colours.none, title: p.name, lines: p.lines, link: { href: p.url, text: el.dataset.openLabel } };
  }, { radius: 10 });
})();
