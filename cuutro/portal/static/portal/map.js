// Public needs map: clustered points from /api/v1/needs/points, tiles from settings.MAP_TILE_URL.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var map = L.map(el).setView([16.75, 107.0], 9);
  L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution }).addTo(map);
  var colours = { critical: "#b3261e", high: "#d9480f", medium: "#a07000", low: "#4a6b4f" };
  var cluster = L.markerClusterGroup({ chunkedLoading: true });
  fetch(el.dataset.points + (el.dataset.points.indexOf("?") < 0 ? "?" : "&") + "limit=20000")
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var bounds = [];
      data.items.forEach(function (p) {
        var marker = L.circleMarker([p.lat, p.lng], { radius: 7, weight: 2, color: colours[p.urgency] || "#555", fillOpacity: 0.7 });
        var link = document.createElement("a");
        link.href = el.dataset.detail.replace("CODE", encodeURIComponent(p.code));
        link.textContent = el.dataset.openLabel + " " + p.code;
        marker.bindPopup(link);
        cluster.addLayer(marker);
        bounds.push([p.lat, p.lng]);
      });
      map.addLayer(cluster);
      if (bounds.length) map.fitBounds(bounds, { maxZoom: 13, padding: [20, 20] });
    });
})();
