// ecat discussion: one step at a time, a countdown per step announced at a few moments,
// and Left/Right or Page Up/Down (what clickers send) between steps.
(function () {
  "use strict";
  var d = document, q = function (s, el) { return (el || d).querySelector(s); };
  var steps = [].slice.call(d.querySelectorAll("section.step[data-seconds]"));
  var bar = q(".stepper"), live = q("#announce"), cur = 0;
  if (!steps.length || !bar || !live) return;
  var msg = function (k) { return live.getAttribute("data-" + k); };
  function say(key, sec) {
    live.textContent = msg(key).replace("{time}", msg(sec % 60 ? "time" : "time-min")
      .replace("{m}", Math.floor(sec / 60)).replace("{s}", sec % 60));
  }
  function timer(step) {
    var box = q(".timer", step), face = q(".clock", box), toggle = q("[data-toggle]", box);
    var total = +step.getAttribute("data-seconds"), left = total, end = 0, tick = null;
    function draw() {
      face.textContent = Math.floor(left / 60) + ":" + ("0" + left % 60).slice(-2);
      face.classList.toggle("up", !left);
      toggle.textContent = toggle.getAttribute(tick ? "data-pause" : "data-start");
    }
    function stop() { var was = !!tick; clearInterval(tick); tick = null; draw(); return was; }
    function pause() { if (stop()) say("paused", left); }
    toggle.onclick = function () {
      if (tick) return pause();
      left = left || total;
      end = Date.now() + left * 1000;
      tick = setInterval(function () {
        var before = left;
        left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        if (!left) { stop(); say("up"); } else if (before > 60 && left <= 60) say("minute");
        draw();
      }, 250);
      draw();
      say("started", left);
    };
    q("[data-reset]", box).onclick = function () { stop(); left = total; draw(); say("reset", left); };
    box.hidden = false;
    draw();
    return pause;
  }
  var pauses = steps.map(timer);
  // show puts step i alone on screen and pauses the countdown of the step it leaves.
  function show(i, focus) {
    i = Math.max(0, Math.min(steps.length - 1, i));
    if (i !== cur) pauses[cur]();
    cur = i;
    var h = q("h2", steps[i]);
    steps.forEach(function (s, k) { s.hidden = k !== i; });
    [].forEach.call(d.querySelectorAll(".agenda a"), function (a) {
      if (a.hash === "#" + h.id) a.setAttribute("aria-current", "step"); else a.removeAttribute("aria-current");
    });
    q("[data-step='-1']").disabled = !i;
    q("[data-step='1']").disabled = i === steps.length - 1;
    history.replaceState(null, "", "#" + h.id);
    if (focus) h.focus();
  }
  bar.onclick = function (ev) { var move = +ev.target.getAttribute("data-step"); if (move) show(cur + move, true); };
  d.onkeydown = function (ev) {
    var move = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 }[ev.key];
    if (!move || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.target.closest("input,textarea,select")) return;
    ev.preventDefault();
    show(cur + move, true);
  };
  // The agenda's links change the hash; show's own changes do not fire this.
  function stepOf(hash) { var h = hash && d.getElementById(hash.slice(1)); return h ? steps.indexOf(h.parentNode) : -1; }
  window.onhashchange = function () { var i = stepOf(location.hash); if (i >= 0) show(i, true); };
  d.body.classList.add("one-step");
  bar.hidden = false;
  var first = stepOf(location.hash);
  show(Math.max(first, 0), first >= 0);
})();
