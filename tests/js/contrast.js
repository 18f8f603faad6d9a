/* [element, contrast ratio] for each element `selector` finds: the WCAG ratio of its text
 * colour to the first opaque background behind it. */
(selector) => {
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const background = (el) => {
    for (let a = el; a; a = a.parentElement) {
      const c = rgb(getComputedStyle(a).backgroundColor);
      if (c.length === 3 || c[3] > 0.5) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)].map((el) => {
    const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))];
    return [el.tagName + " " + el.textContent.trim().slice(0, 30),
      (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}
