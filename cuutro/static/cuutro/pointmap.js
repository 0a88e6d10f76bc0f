// A Leaflet map of coloured circle markers whose popups are plain text (names come from the
// database, so never HTML). Used by the delegations' calendar and the province's dashboard.
// describe(point) gives {colour, title, lines: [text], link: {href, text} or null}.
window.cuutroPointMap = function (el, points, describe, options) {
  "use strict";
  options = options || {};
  var map = L.map(el).setView([16.75, 107.0], 9);
  L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var d = describe(p);
    var marker = L.circleMarker([p.lat, p.lng], {
      radius: options.radius || 9, weight: 2, color: d.colour, fillColor: d.colour, fillOpacity: 0.6,
    });
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = d.title;
    box.appendChild(title);
    (d.lines || []).forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    if (d.link) {
      var link = document.createElement("a");
      link.href = d.link.href;
      link.textContent = d.link.text;
      box.appendChild(link);
    }
    marker.bindPopup(box);
    marker.addTo(map);
    bounds.push([p.lat, p.lng]);
  });
  if (bounds.length) map.fitBounds(bounds, { maxZoom: options.maxZoom || 12, padding: [20, 20] });
  return map;
};
