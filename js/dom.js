// The page surfaces: blocks, paths, `data-pw-next` links and the anti-flicker reveal. The
// runtime decides; this part only finds the elements and draws the decisions.
//
// Nothing from the bundle is ever parsed as HTML or written into an attribute, with one narrow
// exception: the id of the next step in a path replaces `{step}` in a page-authored
// `data-pw-href`, and only when it is a plain id (`[A-Za-z0-9_.-]`, what bundle validation
// allows). Text replacements go through `textContent`, variants are clones of `<template>`
// elements the page itself contains (found by comparing attribute values, never with a selector
// built from bundle data), and the bundle's CSS selectors are only used to find elements inside a
// block.

// The elements matching `selector` in `root` (a document, element or fragment), the root element
// itself included when it matches, in document order; nothing for any other kind of node.
function select(root, selector) {
  const found = root instanceof Element && root.matches(selector) ? [root] : [];
  try {
    found.push(...root.querySelectorAll(selector));
  } catch (e) {}
  return found;
}

// `data-pw-state`: a constant, never bundle data.
function mark(element, applied) {
  element.setAttribute("data-pw-state", applied ? "applied" : "default");
}

// A fresh stash (one per instance): the page's default children of each block a variant
// replaced, moved aside (not copied) so they come back with their listeners; keyed weakly, so a
// removed block is collected with its stash.
export function stash() {
  return new WeakMap();
}

// The blocks, paths and next links under `root` whose slot is wanted (every slot when `only`,
// an array of slots, is absent): returns their slots (in document order, repeated as often as
// they occur), carrying the elements found for `draw` in its property `e`.
export function scan(root, only) {
  const slots = [];
  const blocks = [];
  const paths = [];
  const links = [];
  const add = (list, element, slot, step) => {
    if (!only || only.includes(slot)) {
      slots.push(slot);
      list.push([element, slot, step]);
    }
  };
  for (const block of select(root, "[data-pw-block]")) {
    add(blocks, block, block.getAttribute("data-pw-block") ?? "");
  }
  for (const container of select(root, "[data-pw-path]")) {
    add(paths, container, container.getAttribute("data-pw-path") ?? "");
  }
  for (const link of select(root, "[data-pw-next]")) {
    // `data-pw-next="SLOT:STEP"`, split at the first colon.
    const value = link.getAttribute("data-pw-next") ?? "";
    const at = value.indexOf(":");
    if (at >= 0) add(links, link, value.slice(0, at), value.slice(at + 1));
  }
  slots.e = [blocks, paths, links];
  return slots;
}

// Draws the decisions (`decided`: slot → decision as `decide` returns it; a slot without one
// keeps or gets its default) into what `scan` found. Returns
// `[shown, warnings]`: the slot of each block or path drawn with a rule's answer (a variant, or a
// measured default), and `[code, message, …]` for each warning.
export function draw(found, decided, stash) {
  const [blocks, paths, links] = found.e;
  const shown = [];
  const warnings = [];
  for (const [block, slot] of blocks) {
    const decision = decided.get(slot);
    if (drawBlock(block, slot, decision, stash, warnings) || (decision && decision.reason != "matched")) {
      shown.push(slot);
    }
  }
  for (const [container, slot] of paths) {
    if (drawPath(container, decided.get(slot))) shown.push(slot);
  }
  for (const [link, slot, step] of links) drawNext(link, step, decided.get(slot));
  return [shown, warnings];
}

// Shows `decision` in `block` (the default without one, or for a default decision), marks it,
// and returns whether a variant is displayed. A variant's content is a clone of the page's
// `<template data-pw-variant="SLOT:VARIANT">` (without one, of the block's default content),
// then its text replacements.
function drawBlock(block, slot, decision, stash, warnings) {
  const restore = () => {
    const kept = stash.get(block);
    stash.delete(block);
    if (kept) block.replaceChildren(kept);
    mark(block, false);
    return false;
  };
  // A variant is drawn for a rule's match and for a preview override (which may name the
  // default: with no template and no text, the default stays, quietly).
  const override = decision && decision.reason == "override";
  if (!decision || (decision.reason != "matched" && !override)) return restore();
  const wanted = slot + ":" + decision.variant;
  const found = select(document, "template[data-pw-variant]").find(
    (t) => t.getAttribute("data-pw-variant") == wanted,
  );
  const template = found instanceof HTMLTemplateElement ? found : null;
  const text = decision.text || [];
  if (!template && !text.length) {
    if (override) return restore();
    warnings.push(
      "template_missing",
      "variant " + JSON.stringify(decision.variant) + " of block " + JSON.stringify(slot) +
        ' has no <template data-pw-variant="' + wanted +
        '"> in the page and no text replacements; the default content is shown',
    );
    return restore();
  }
  if (!stash.has(block)) {
    const kept = document.createDocumentFragment();
    try {
      while (block.firstChild) kept.append(block.firstChild);
    } catch (e) {}
    stash.set(block, kept);
  }
  block.replaceChildren((template ? template.content : stash.get(block)).cloneNode(true));
  for (const replacement of text) {
    let targets;
    try {
      targets = block.querySelectorAll(replacement.selector);
    } catch (e) {
      warnings.push(
        "invalid_selector",
        "text replacement selector " + JSON.stringify(replacement.selector) + " of block " +
          JSON.stringify(slot) + " is not a valid CSS selector; it was skipped",
      );
      continue;
    }
    for (const target of targets) target.textContent = replacement.text;
  }
  mark(block, true);
  return true;
}

// Shows the decided path's steps in `container`, in its order, and hides the others; marks it
// (`default` without a path decision: no bundle, unknown slot) and returns whether a rule's
// variant is displayed. Steps keep the places the page gave them: the first place holds the
// first step of the path, and so on (steps not in the path fill the last places, hidden), so
// markup between or around the steps stays where it is.
function drawPath(container, decision) {
  const order = decision && decision.steps;
  if (!order) {
    mark(container, false);
    return false;
  }
  // The steps of this container, not of a path nested inside it.
  const elements = select(container, "[data-pw-step]").filter(
    (step) => step.parentElement && step.parentElement.closest("[data-pw-path]") == container,
  );
  const ids = elements.map((step) => step.getAttribute("data-pw-step") ?? "");
  const arranged = [];
  for (const step of order) {
    ids.forEach((id, i) => {
      if (id == step && !arranged.includes(i)) arranged.push(i);
    });
  }
  const count = arranged.length;
  ids.forEach((id, i) => {
    if (!order.includes(id)) arranged.push(i);
  });
  let inPlace = true;
  arranged.forEach((i, at) => {
    elements[i].toggleAttribute("hidden", at >= count);
    inPlace = inPlace && at == i;
  });
  if (!inPlace) {
    // One placeholder per place, then each place gets its element: moving an element leaves its
    // own placeholder behind, so no place is lost.
    const places = [];
    for (const element of elements) {
      const marker = document.createComment("");
      try {
        element.parentNode.insertBefore(marker, element);
        places.push(marker);
      } catch (e) {}
    }
    places.forEach((place, at) => {
      try {
        place.parentNode.replaceChild(elements[arranged[at]], place);
      } catch (e) {}
    });
    for (const place of places) {
      try {
        place.parentNode.removeChild(place);
      } catch (e) {}
    }
  }
  mark(container, decision.reason == "matched" || decision.reason == "override");
  return decision.reason == "matched";
}

// Points `link` at the step after `step` in the decided path: `data-pw-href` with every `{step}`
// replaced by the next step's id (without the attribute, the link's own href stays); after the
// last step `data-pw-done` if present, else the link is hidden. Untouched without a path
// decision (no bundle, unknown slot).
function drawNext(link, step, decision) {
  const steps = decision && decision.steps;
  if (!steps) return;
  const at = steps.indexOf(step);
  const next = at < 0 ? undefined : steps[at + 1];
  let href;
  if (next !== undefined && /^[\w.-]+$/.test(next)) {
    const pattern = link.getAttribute("data-pw-href");
    href = pattern == null ? null : pattern.split("{step}").join(next);
  } else {
    href = link.getAttribute("data-pw-done");
    if (href == null) {
      link.toggleAttribute("hidden", true);
      return;
    }
  }
  if (href != null) link.setAttribute("href", href);
  link.toggleAttribute("hidden", false);
}

// Whether no anti-flicker rule is in effect: the first undecided block or path of `root` is
// neither hidden (`visibility`) nor animated by the rule's `pathwise-reveal` (which shows it
// after a second, so a page that starts late still counts as guarded). `false` without one.
export function unguarded(root) {
  const [first] = select(root, "[data-pw-block]:not([data-pw-state]), [data-pw-path]:not([data-pw-state])");
  if (!first) return false;
  try {
    const style = getComputedStyle(first);
    return style.visibility == "visible" && !/pathwise-reveal/.test(style.animationName);
  } catch (e) {
    return false;
  }
}

// Anti-flicker: marks every undecided block and path under `root` as `default` (pathwise.css
// shows them then) and returns their slots.
export function reveal(root) {
  const slots = [];
  for (const element of select(
    root,
    "[data-pw-block]:not([data-pw-state]), [data-pw-path]:not([data-pw-state])",
  )) {
    mark(element, false);
    const slot = element.getAttribute("data-pw-block") ?? element.getAttribute("data-pw-path");
    if (slot != null) slots.push(slot);
  }
  return slots;
}

