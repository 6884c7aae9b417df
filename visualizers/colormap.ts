// Colour maps as piecewise-linear interpolation between anchor colours.

type RGB = [number, number, number];

function hex(h: string): RGB {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

function ramp(anchors: string[]): (t: number) => RGB {
  const cs = anchors.map(hex);
  return (t) => {
    const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (cs.length - 1);
    const i = Math.min(cs.length - 2, Math.floor(x));
    const f = x - i;
    const a = cs[i]!, b = cs[i + 1]!;
    return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
  };
}

/** Perceptually ordered dark-purple → yellow (matplotlib's viridis anchors). */
export const viridis = ramp(["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"]);
/** Blue ← white → red, for signed values centred on 0 (t = 0.5 is zero). */
export const diverging = ramp(["#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b"]);
/** White → dark blue, for counts (confusion matrices). */
export const blues = ramp(["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"]);
/** Cool → hot for magnitudes on a log scale (gradient colouring). */
export const heat = ramp(["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"]);

export function css([r, g, b]: RGB): string {
  const h = (v: number) => Math.round(v).toString(16).padStart(2, "0");
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** Black or white text, whichever reads on the given background. */
export function textOn([r, g, b]: RGB): string {
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#000" : "#fff";
}
