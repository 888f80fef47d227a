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
          [["submitted", counts.submitted], ["drafts", counts.drafts]].forEach(function (f) {
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
