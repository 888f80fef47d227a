// ecat form enhancement: live progress and quiet autosave. The form works fully without it.
(function () {
  "use strict";
  var form = document.getElementById("response-form");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) return;
  var count = document.getElementById("progress-count");
  var bar = document.getElementById("progress-bar");
  var status = document.getElementById("autosave-status");
  var total = parseInt(count.getAttribute("data-total"), 10) || 0;
  var template = form.getAttribute("data-progress-template") || "%d / %d";
  var timer = null, busy = false, again = false, submitting = false, inflight = null, stale = false;

  function answered() {
    var names = {};
    var inputs = form.querySelectorAll('input[type=radio][name^="a."]:checked');
    for (var i = 0; i < inputs.length; i++) names[inputs[i].name] = true;
    return Object.keys(names).length;
  }
  function updateProgress() {
    var n = answered();
    bar.value = n;
    var i = 0, args = [n, total];
    count.textContent = template.replace(/%d/g, function () { return args[i++]; });
  }
  function save() {
    if (submitting || stale) return;
    if (busy) { again = true; return; }
    busy = true;
    inflight = window.AbortController ? new AbortController() : null;
    // URL-encoded like a plain form post (the server refuses multipart). The
    // attribute, not form.action: the buttons named "action" shadow that property.
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "autosave");
    // If-Match: the version this page last saw. A change made meanwhile in another
    // window is never overwritten by an autosave (412); the person decides.
    var headers = { "Accept": "application/json" };
    var etag = form.getAttribute("data-etag");
    if (etag) headers["If-Match"] = etag;
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: headers, signal: inflight && inflight.signal })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
      .then(function (body) {
        if (body.etag) form.setAttribute("data-etag", body.etag);
        if (body.action_url && body.action_url !== form.getAttribute("action")) {
          form.setAttribute("action", body.action_url);
          if (window.history && history.replaceState) history.replaceState(null, "", body.resume_path);
        }
        status.textContent = form.getAttribute("data-saved") || body.message || "";
      })
      .catch(function (code) {
        if (submitting) return;
        if (code === 412) stale = true;
        status.textContent = form.getAttribute(stale ? "data-stale" : "data-failed") || "";
      })
      .then(function () { busy = false; inflight = null; if (again) { again = false; schedule(); } });
  }
  function schedule() {
    if (submitting || stale || form.getAttribute("data-status") !== "draft") return;
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  }
  form.addEventListener("change", function () { updateProgress(); schedule(); });
  form.addEventListener("input", function (e) { if (e.target.tagName === "TEXTAREA") schedule(); });
  // Pressing Submit (or Save) cancels the pending autosave and the one in flight, so an
  // older draft cannot land after the submission. (The server refuses one that does.)
  form.addEventListener("submit", function () {
    submitting = true;
    clearTimeout(timer);
    if (inflight) inflight.abort();
  });
  updateProgress();
})();

// An error that answering fixes goes once it is answered: a question's "choose an
// answer" when one is chosen, a theme's when one is picked, a missing text's when some is
// typed. Its message and aria-invalid leave the field, and its line leaves the error
// summary (which goes when none is left). Errors about what was typed (too long, looks
// like code) stay until the server checks again. Without JavaScript the page is sent
// back by the server as before.
(function () {
  "use strict";
  var form = document.getElementById("response-form");
  if (!form || !form.querySelectorAll || !document.documentElement.classList) return;
  var summary = document.querySelector(".error-summary");

  // owner is the control (or the fieldset of radios) the error describes.
  function ownerOf(error) {
    var all = form.querySelectorAll("[aria-describedby]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("aria-describedby").split(/\s+/).indexOf(error.id) >= 0) return all[i];
    }
    return null;
  }
  function fixed(owner) {
    if (owner.tagName === "FIELDSET") return !!owner.querySelector("input:checked");
    if (owner.tagName === "TEXTAREA") return owner.value.trim() !== "";
    return true; // a select: any choice it offers is a valid one
  }
  function forgetInSummary(owner) {
    if (!summary) return;
    // Said once, on arrival; changing it now should not be read out as a new alert.
    summary.removeAttribute("role");
    var links = summary.querySelectorAll('li a[href^="#"]');
    for (var i = 0; i < links.length; i++) {
      var target = document.getElementById(links[i].getAttribute("href").slice(1));
      if (target && (target === owner || owner.contains(target))) {
        var item = links[i].parentNode;
        item.parentNode.removeChild(item);
      }
    }
    var left = summary.querySelectorAll("li").length;
    var count = summary.querySelector(".error-count");
    if (left === 0) {
      summary.hidden = true;
    } else if (count) {
      count.textContent = left === 1 ? count.getAttribute("data-singular") : count.getAttribute("data-plural").replace("%d", left);
    }
  }
  function clear(error, owner) {
    var ids = owner.getAttribute("aria-describedby").split(/\s+/).filter(function (id) { return id && id !== error.id; });
    if (ids.length) owner.setAttribute("aria-describedby", ids.join(" "));
    else owner.removeAttribute("aria-describedby");
    owner.removeAttribute("aria-invalid");
    var box = error.parentNode;
    box.removeChild(error);
    if (!box.querySelector(".error")) box.classList.remove("invalid");
    forgetInSummary(owner);
  }
  function check(e) {
    var errors = form.querySelectorAll(".error[data-fix]");
    for (var i = 0; i < errors.length; i++) {
      var owner = ownerOf(errors[i]);
      if (owner && (owner === e.target || owner.contains(e.target)) && fixed(owner)) clear(errors[i], owner);
    }
  }
  form.addEventListener("change", check);
  form.addEventListener("input", function (e) { if (e.target.tagName === "TEXTAREA") check(e); });
})();
