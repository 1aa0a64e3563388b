// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // A time in the browser's own time zone, where it differs from the offer's (templates/portal/_local_time.html):
  // the same parts as the server writes (rules/wording.py format_instant), seconds where the page shows them.
  document.querySelectorAll("[data-local-time]").forEach(function (element) {
    var instant = new Date(element.dataset.localTime);
    var browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!browserZone || browserZone === element.dataset.offerZone) { return; }
    var parts = {
      year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short"
    };
    if ("seconds" in element.dataset) { parts.second = "2-digit"; }
    element.querySelector(".local-zone").textContent = browserZone;
    element.querySelector(".local-instant").textContent = instant.toLocaleString(undefined, parts);
    element.hidden = false;
  });
  // A live countdown to the deadline; the server's clock still decides.
  document.querySelectorAll("[data-countdown]").forEach(function (element) {
    var deadline = new Date(element.dataset.countdown).getTime();
    function tick() {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      var days = Math.floor(left / 86400), hours = Math.floor(left % 86400 / 3600);
      var minutes = Math.floor(left % 3600 / 60), seconds = left % 60;
      element.textContent = left === 0 ? "The deadline has passed." :
        "Time left: " + days + " d " + hours + " h " + minutes + " min " + seconds + " s";
      if (left > 0) { window.setTimeout(tick, 1000); }
    }
    element.hidden = false;
    tick();
  });
  // Lock each form's submit button after the first click (the server also ignores a repeated post).
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    });
  });
})();
