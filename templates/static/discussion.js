// ecat discussion: one screen at a time, a countdown per step announced at a few moments,
// and the keys a keyboard or a clicker sends. A step is one screen, or several (its
// .screen parts) that share its countdown. Left and Right move between screens; Page Down
// and Page Up (what clickers send) first scroll a screen taller than the window, and move
// on only from its end (or back only from its top).
(function () {
  "use strict";
  var d = document, q = function (s, el) { return (el || d).querySelector(s); };
  var all = function (s, el) { return [].slice.call((el || d).querySelectorAll(s)); };
  var steps = all("section.step[data-seconds]");
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
  // The stops, in order: every screen of a step that has screens, else the step. A
  // step's first stop is named by the step's heading, the others by their screen.
  var stops = [];
  steps.forEach(function (s, k) {
    var h2 = q("h2", s), screens = all(".screen", s);
    if (!screens.length) stops.push({ step: k, id: h2.id, head: h2 });
    screens.forEach(function (sc, j) { var h3 = q("h3", sc); stops.push({ step: k, screen: sc, id: j ? h3.id : h2.id, alias: h3.id, head: j ? h3 : h2 }); });
  });
  // show puts one stop alone on screen, at its top, and pauses the countdown of the step
  // it leaves (not of the step whose next screen it shows).
  function show(i, focus) {
    i = Math.max(0, Math.min(stops.length - 1, i));
    var to = stops[i];
    if (to.step !== stops[cur].step) pauses[stops[cur].step]();
    cur = i;
    steps.forEach(function (s, k) { s.hidden = k !== to.step; });
    all(".screen", steps[to.step]).forEach(function (sc) { sc.hidden = sc !== to.screen; });
    var stepID = q("h2", steps[to.step]).id;
    all(".agenda a").forEach(function (a) {
      if (a.hash === "#" + stepID) a.setAttribute("aria-current", "step"); else a.removeAttribute("aria-current");
    });
    q("[data-step='-1']").disabled = !i;
    q("[data-step='1']").disabled = i === stops.length - 1;
    history.replaceState(null, "", "#" + to.id);
    window.scrollTo(0, 0);
    if (focus) to.head.focus({ preventScroll: true });
  }
  bar.onclick = function (ev) { var move = +ev.target.getAttribute("data-step"); if (move) show(cur + move, true); };
  d.onkeydown = function (ev) {
    var move = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 }[ev.key];
    if (!move || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.target.closest("input,textarea,select")) return;
    if (ev.key === "PageDown" || ev.key === "PageUp") {
      var page = d.scrollingElement || d.documentElement;
      var more = move > 0 ? page.scrollTop + page.clientHeight < page.scrollHeight - 2 : page.scrollTop > 0;
      if (more) return; // the browser scrolls the screen
    }
    ev.preventDefault();
    show(cur + move, true);
  };
  // The agenda's links change the hash; show's own changes do not fire this.
  function stopOf(hash) {
    for (var i = 0; hash && i < stops.length; i++) if ("#" + stops[i].id === hash || "#" + stops[i].alias === hash) return i;
    return -1;
  }
  window.onhashchange = function () { var i = stopOf(location.hash); if (i >= 0) show(i, true); };
  d.body.classList.add("one-step");
  bar.hidden = false;
  var first = stopOf(location.hash);
  show(Math.max(first, 0), first >= 0);
})();
