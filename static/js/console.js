// Progressive enhancements of the console: every page works without this file.
(function () {
  "use strict";
  // Background work under way (a step of the close, an export file being made): an element with
  // data-progress-url is refreshed from that URL every few seconds (the server renders the same
  // fragment); once the work has ended, the page reloads to show what it did. Without this script
  // the fragment asks to reload the page. The element itself stays, so its aria-live region does.
  var INTERVAL_MS = 2000;
  function follow(element) {
    window.setTimeout(function () {
      fetch(element.dataset.progressUrl, {
        credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      }).then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();
        var fresh = holder.content.firstElementChild;
        if (!fresh || !fresh.hasAttribute("data-progress-url")) {
          window.location.reload();
          return;
        }
        if (fresh.innerHTML !== element.innerHTML) { element.innerHTML = fresh.innerHTML; }
        element.dataset.state = fresh.dataset.state;
        follow(element);
      }).catch(function () {
        follow(element);  // the server or the network may be back on the next try
      });
    }, INTERVAL_MS);
  }
  document.querySelectorAll("[data-progress-url]").forEach(follow);
})();
