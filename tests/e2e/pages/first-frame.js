// A classic script in <head>: what the first rendered frame shows. requestAnimationFrame callbacks
// run just before a frame is painted, so the first one sees exactly what the first paint shows.
requestAnimationFrame(() => {
  const hero = document.querySelector("#hero");
  window.__firstFrame = {
    at: performance.now(),
    heroState: hero?.getAttribute("data-pw-state") ?? null,
    heroText: hero?.querySelector("h1")?.textContent ?? null,
    heroShown: hero ? hero.checkVisibility({ visibilityProperty: true, opacityProperty: true }) : null,
  };
});
