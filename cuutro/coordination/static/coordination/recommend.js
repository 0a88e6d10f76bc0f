// "Start from where I am": fills the hidden lat/lon of the offer form from the phone's location.
(function () {
  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var state = document.getElementById("location-state");
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_lat").value = pos.coords.latitude.toFixed(5);
      document.getElementById("id_lon").value = pos.coords.longitude.toFixed(5);
      state.textContent = button.dataset.done || "✓";
    }, function () { state.textContent = button.dataset.failed || "✗"; }, { timeout: 10000 });
  });
})();
