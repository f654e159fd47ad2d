// The browser race's in-page probe: the first thing in <head> of every race page (inline, a
// classic script, the same text on every page). Each animation frame it records which hero the
// page has and whether it can be seen:
//   0 no hero yet, 1 default hidden, 2 default visible, 3 variant hidden, 4 variant visible,
// "visible" being Element.checkVisibility with opacity and visibility checked (an element or an
// ancestor at opacity 0, like GrowthBook's anti-flicker class, or under visibility: hidden, like
// pathwise.css, is not visible). `frames` holds [frame time, state] for every frame (the
// requestAnimationFrame timestamp: ms since navigation start); `paint` the paint timing entries.
// The driver (race.mjs) sets `stop` when it has read enough.
(function () {
  var race = { frames: [], paint: {}, stop: false, variantAt: undefined };
  window.__race = race;
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) { race.paint[e.name] = e.startTime; });
    }).observe({ type: "paint", buffered: true });
  } catch (e) {}
  var seen = function (el) { return el.checkVisibility({ opacityProperty: true, visibilityProperty: true }); };
  function state() {
    var v = document.querySelector('#hero [data-hero="variant"]');
    if (v) return seen(v) ? 4 : 3;
    var d = document.querySelector('#hero [data-hero="default"]');
    if (d) return seen(d) ? 2 : 1;
    return 0;
  }
  function frame(t) {
    var s = state();
    race.frames.push([t, s]);
    if (s === 4 && race.variantAt === undefined) race.variantAt = t;
    if (!race.stop) requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})();
