// Need form helpers. The form works without them; they only add convenience on phones.
(function () {
  "use strict";
  // "Add another item": clone the last line and bump the formset's TOTAL_FORMS.
  var add = document.getElementById("add-item");
  var rows = document.getElementById("item-rows");
  var total = document.querySelector("input[name='items-TOTAL_FORMS']");
  if (add && rows && total) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var last = rows.lastElementChild;
      var index = parseInt(total.value, 10);
      var clone = last.cloneNode(true);
      clone.querySelectorAll("[name],[id],[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(/items-\d+-/, "items-" + index + "-"));
        });
        if (el.value !== undefined && el.tagName !== "LABEL") el.value = "";
      });
      clone.querySelectorAll(".errorlist").forEach(function (el) { el.remove(); });
      rows.appendChild(clone);
      total.value = index + 1;
    });
  }
  // "Use my current location": fill latitude/longitude from the phone's GPS.
  var locate = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = locate.dataset.busy;
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
        status.textContent = "";
      }, function () { status.textContent = locate.dataset.failed; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
})();
