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
  // The lookback rule as the employee chooses (OFFER.md decision 2). Exchanging any other grant brings
  // every lookback grant along: Exchange is chosen for them and Keep is disabled, with the reason.
  // Keeping every other grant frees them again, back to the employee's own choice for them (or none):
  // nothing stays chosen that the employee did not choose. Lookback grants go together, so choosing
  // for one chooses for all. The server applies the same rule when this script does not run.
  function joinInWords(items) {
    return items.length <= 1 ? items.join("") :
      items.slice(0, -1).join(", ") + " and " + items[items.length - 1];
  }
  document.querySelectorAll("form[data-election]").forEach(function (form) {
    var grants = Array.prototype.slice.call(form.querySelectorAll("[data-grant]"));
    var lookback = grants.filter(function (grant) { return grant.hasAttribute("data-lookback"); });
    var others = grants.filter(function (grant) { return !grant.hasAttribute("data-lookback"); });
    if (lookback.length === 0) { return; }
    function chosen(grant) {
      var input = grant.querySelector("input[data-choice]:checked");
      return input ? input.dataset.choice : null;
    }
    function choose(grant, choice) {
      grant.querySelectorAll("input[data-choice]").forEach(function (input) {
        input.checked = input.dataset.choice === choice;
      });
    }
    function explain(grant, text) {
      var note = grant.querySelector("[data-lookback-note]");
      note.textContent = text;
      ["alert", "alert-warning", "py-2", "mt-2", "mb-0"].forEach(function (name) {
        note.classList.toggle(name, text !== "");
      });
    }
    function exchangedOthers() {
      return others.filter(function (grant) { return chosen(grant) === "exchange"; })
        .map(function (grant) { return grant.dataset.grant; });
    }
    function ownChoiceOnLoad() {
      // A lookback grant shown as Exchange beside another exchanged grant may have been brought along
      // (an election on record, a form shown again): its own choice is unknown, so none is assumed.
      if (exchangedOthers().length > 0) { return null; }
      var choices = lookback.map(chosen);
      var same = choices.every(function (choice) { return choice === choices[0]; });
      return same ? choices[0] : undefined;  // undefined: leave the choices as they are
    }
    var own = ownChoiceOnLoad();
    var chosenOn = null;  // the lookback grant the employee last chose for
    function apply() {
      var forcing = exchangedOthers();
      lookback.forEach(function (grant) {
        var id = grant.dataset.grant;
        grant.querySelector("input[data-choice=keep]").disabled = forcing.length > 0;
        if (forcing.length > 0) {
          if (own === undefined) { own = null; }  // mixed choices on load: once brought along, none is assumed
          choose(grant, "exchange");
          explain(grant, "Exchange is required for " + id + ": you are exchanging " + joinInWords(forcing) +
            ", and every lookback grant must be tendered with any other grant. To keep " + id +
            ", choose Keep for " + joinInWords(forcing) + ".");
          return;
        }
        if (own !== undefined) { choose(grant, own); }
        explain(grant, own && chosenOn && chosenOn !== id ?
          (own === "exchange" ? "Exchange" : "Keep") + " chosen with " + chosenOn +
            ": lookback grants are exchanged together or kept together." : "");
      });
    }
    form.addEventListener("change", function (event) {
      var grant = event.target.closest("[data-grant]");
      if (grant && grant.hasAttribute("data-lookback")) {
        own = chosen(grant);
        chosenOn = grant.dataset.grant;
      }
      apply();
    });
    apply();
  });
  // Each form posts once (the server also ignores a repeated post). The buttons are locked only after
  // the browser has read the form: a button disabled during the submit event would drop its own
  // name from the post ("Change my choices" is told from "Sign and submit" by its name). A download
  // (data-download) leaves the page where it is and may be asked for again, so it is not locked.
  document.querySelectorAll("form[method=post]:not([data-download])").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.posted) { event.preventDefault(); return; }
      form.dataset.posted = "true";
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
      }, 0);
    });
  });
})();
