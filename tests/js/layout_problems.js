/* Everything on a page that does not fit, as sentences; [] when all is well.
 * Argument: whether the screen's bottom edge clips too (the TV never scrolls).
 *
 * Looked at: every shown element with text of its own. Its text must lie inside the screen
 * and inside every box around it that clips (overflow other than visible), and a block must
 * be as wide as its text. Text in a box that shortens it on purpose ("…", a line clamp) is
 * checked as that box instead; when the box does shorten it, the full text must be in a
 * title, and a "…" must have been needed: the text is wider than the room its line offers. */
(clipVertically) => {
  const problems = new Set();
  const root = document.scrollingElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.add(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  const screen = { left: 0, top: 0, right: root.clientWidth, bottom: window.innerHeight };
  const px = (value) => parseFloat(value) || 0;
  const squash = (text) => text.replace(/\s+/g, " ").trim();
  const name = (el) => {
    const classes = typeof el.className === "string" && el.className.trim()
      ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${classes} "${squash(el.textContent).slice(0, 50)}"`;
  };
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility === "visible";
  const ownText = (el) => [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim());
  const shortens = (el) => {
    const style = getComputedStyle(el);
    return style.textOverflow === "ellipsis" || style.webkitLineClamp !== "none";
  };
  const clamped = (el) => getComputedStyle(el).webkitLineClamp !== "none";
  const shortened = (el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
  const sameLine = (a, b) => a.top < b.bottom - 1 && b.top < a.bottom - 1;

  /* The nearest box, this element or one around it, that shortens its text on purpose. */
  function cutOf(el) {
    for (let a = el; a && a !== document.body; a = a.parentElement) if (shortens(a)) return a;
    return null;
  }

  /* The width a shortened element's line offers it: the row's content width less what the
   * other things on that line need (their text; a bar or meter only its min-width). */
  function room(el) {
    let item = el;
    let row = el.parentElement;
    while (row && !/flex|grid/.test(getComputedStyle(row).display)) { item = row; row = row.parentElement; }
    if (!row) return Infinity;
    const style = getComputedStyle(row);
    const line = item.getBoundingClientRect();
    const others = [...row.children].filter((c) => c !== item && shown(c)
      && getComputedStyle(c).position !== "absolute" && sameLine(c.getBoundingClientRect(), line));
    const needed = others.reduce((sum, c) => sum + px(style.columnGap)
      + (c.textContent.trim() ? c.getBoundingClientRect().width : px(getComputedStyle(c).minWidth)), 0);
    const besides = line.width - el.getBoundingClientRect().width;   // what else the item holds
    return row.clientWidth - px(style.paddingLeft) - px(style.paddingRight) - needed - Math.max(0, besides);
  }

  /* Whether any of the rects leaves the screen or a box around `el` that clips. */
  function cutOff(el, rects) {
    const boxes = [[screen, true, clipVertically]];
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const style = getComputedStyle(a);
      const [x, y] = [style.overflowX !== "visible", style.overflowY !== "visible"];
      if (x || y) boxes.push([a.getBoundingClientRect(), x, y]);
    }
    return rects.some((r) => boxes.some(([box, x, y]) =>
      (x && (r.left < box.left - 1 || r.right > box.right + 1))
      || (y && (r.top < box.top - 1 || r.bottom > box.bottom + 1))));
  }

  const range = document.createRange();
  for (const el of document.body.querySelectorAll("*")) {
    if (!ownText(el).length || !shown(el) || el.closest("select, option, script, style")) continue;
    const cut = cutOf(el);
    if (cut) {
      if (shortened(cut)) {
        const title = (cut.closest("[title]") || {}).title || "";
        if (squash(title) !== squash(cut.textContent)) problems.add(`shortened without its full text as title: ${name(cut)}`);
        const space = room(cut);
        // room to spare: the whole text fits its line with a pixel left for rounding (a
        // text 2 px wider than its room is rightly shortened: "277 <= 275 + 2" was no fault)
        if (!clamped(cut) && cut.scrollWidth <= space - 1) {
          problems.add(`shortened with room to spare (${cut.scrollWidth} <= ${Math.round(space)}): ${name(cut)}`);
        }
      }
      if (cutOff(cut, [cut.getBoundingClientRect()])) problems.add(`text cut off: ${name(cut)}`);
      continue;
    }
    if (getComputedStyle(el).display !== "inline" && el.scrollWidth > el.clientWidth + 1) {
      problems.add(`text wider than its box (${el.scrollWidth} > ${el.clientWidth}): ${name(el)}`);
    }
    const rects = ownText(el).flatMap((node) => {
      range.selectNodeContents(node);
      return [...range.getClientRects()].filter((r) => r.width > 0);
    });
    if (cutOff(el, rects)) problems.add(`text cut off: ${name(el)}`);
  }
  return [...problems];
}
