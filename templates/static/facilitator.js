// ecat facilitator enhancement: refreshes the completion table every 15 s without a
// full reload. Without JavaScript, reloading the page shows the same figures.
(function () {
  "use strict";
  var table = document.getElementById("completion");
  if (!table || !window.fetch) return;
  var status = document.getElementById("completion-status");
  var threshold = parseInt(table.getAttribute("data-threshold"), 10) || 1;
  function refresh() {
    fetch(table.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
      .then(function (body) {
        var changed = false;
        Object.keys(body.responses).forEach(function (pillar) {
          var row = table.querySelector('tr[data-pillar="' + pillar + '"]');
          if (!row) return;
          var counts = body.responses[pillar];
          // The response rate, where a headcount of 1 or more is expected, in the page's words.
          var rate = typeof counts.rate === "number" ? status.getAttribute("data-rate").replace("%d", counts.rate).replace("%%", "%") : "—";
          [["submitted", counts.submitted], ["drafts", counts.drafts], ["rate", rate]].forEach(function (f) {
            var cell = row.querySelector('[data-field="' + f[0] + '"]');
            if (cell && cell.textContent !== String(f[1])) { cell.textContent = f[1]; changed = true; }
          });
          var shown = row.querySelector('[data-field="shown"]');
          if (shown) shown.textContent = status.getAttribute(counts.submitted >= threshold ? "data-shown" : "data-withheld");
        });
        if (changed) status.textContent = status.getAttribute("data-updated");
      })
      .catch(function () { /* keep the figures shown; the next tick tries again */ });
  }
  setInterval(refresh, 15000);
})();

// Copy link: a button next to the join link, made here so that nothing that cannot work
// shows without JavaScript. The result is said in a polite live region, which is in
// the page (hidden) from the start and shown with the button, so it is announced.
(function () {
  "use strict";
  var link = document.getElementById("join-link");
  var status = document.getElementById("copy-status");
  if (!link || !status) return;
  var clipboard = window.isSecureContext && navigator.clipboard && navigator.clipboard.writeText;
  if (!clipboard && !document.queryCommandSupported) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary small-button";
  button.textContent = status.getAttribute("data-label");
  status.parentNode.insertBefore(button, status);
  status.parentNode.hidden = false;
  var timer = null;
  function say(ok) {
    // Emptied first, so pressing again says it again.
    status.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(function () { status.textContent = status.getAttribute(ok ? "data-copied" : "data-failed"); }, 100);
  }
  // Without the clipboard API (a page served over plain http), the link's text is
  // selected and copied the old way; if that fails too it stays selected, ready to copy.
  function copySelected() {
    var range = document.createRange();
    range.selectNodeContents(link);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    if (ok) selection.removeAllRanges();
    return ok;
  }
  button.addEventListener("click", function () {
    var url = link.getAttribute("href");
    if (clipboard) {
      navigator.clipboard.writeText(url).then(function () { say(true); }, function () { say(copySelected()); });
    } else {
      say(copySelected());
    }
  });
})();

// Print or save as PDF: the report's button, shown only where it works. The page is made
// for print (app.css), so the browser's own Print does the same without the script.
(function () {
  "use strict";
  var button = document.querySelector("button[data-print]");
  if (!button || !window.print) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
