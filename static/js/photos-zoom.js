// Zoom and pan of the viewer's picture, and swipes between photos: the wheel and
// double-click zoom around the pointer, two fingers pinch, one drags the zoomed picture, and
// a swipe of the unzoomed one steps (pointer events, so mouse, pen and touch alike).
// `element` fills `frame` (object-fit: contain), so its box is the frame's and a transform
// of it stays inside simple bounds.
export const MAX_SCALE = 8;

export function zoomable(frame, { onSwipe, onZoom }) {
  let element = null;
  let scale = 1;
  let x = 0;
  let y = 0;
  const pointers = new Map(); // pointerId → {x, y}
  let pinch = null; // {distance, scale}
  let swipe = null; // {x, y, id}

  function clamp() {
    const { width, height } = frame.getBoundingClientRect();
    x = Math.min(0, Math.max(width * (1 - scale), x));
    y = Math.min(0, Math.max(height * (1 - scale), y));
  }

  function apply() {
    if (!element) return;
    clamp();
    element.style.transform = scale === 1 ? "" : `translate(${x}px, ${y}px) scale(${scale})`;
    frame.classList.toggle("is-zoomed", scale > 1);
    onZoom?.(scale);
  }

  // Zoom to `next` keeping the point (px, py) of the frame (its middle by default) in place.
  function zoomTo(next, px, py) {
    if (!element || element.tagName !== "IMG") return;
    const box = frame.getBoundingClientRect();
    const cx = px ?? box.width / 2;
    const cy = py ?? box.height / 2;
    next = Math.min(MAX_SCALE, Math.max(1, next));
    x = cx - ((cx - x) * next) / scale;
    y = cy - ((cy - y) * next) / scale;
    scale = next;
    if (scale === 1) x = y = 0;
    apply();
  }

  const local = (event) => {
    const box = frame.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };

  frame.addEventListener("wheel", (event) => {
    if (!element || element.tagName !== "IMG") return;
    event.preventDefault();
    zoomTo(scale * Math.exp(-event.deltaY / 300), ...local(event));
  }, { passive: false });

  frame.addEventListener("dblclick", (event) => {
    if (!element || element.tagName !== "IMG") return;
    zoomTo(scale > 1 ? 1 : 2.5, ...local(event));
  });

  frame.addEventListener("pointerdown", (event) => {
    if (!element || element.tagName !== "IMG") return;
    frame.setPointerCapture?.(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, scale };
      swipe = null;
    } else if (pointers.size === 1) {
      swipe = scale === 1 ? { x: event.clientX, y: event.clientY } : null;
    }
  });

  frame.addEventListener("pointermove", (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    const now = { x: event.clientX, y: event.clientY };
    pointers.set(event.pointerId, now);
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const box = frame.getBoundingClientRect();
      zoomTo((pinch.scale * Math.hypot(a.x - b.x, a.y - b.y)) / pinch.distance, (a.x + b.x) / 2 - box.left, (a.y + b.y) / 2 - box.top);
    } else if (scale > 1 && pointers.size === 1) {
      x += now.x - last.x;
      y += now.y - last.y;
      apply();
    }
  });

  const release = (event) => {
    if (!pointers.has(event.pointerId)) return;
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinch = null;
    if (swipe && pointers.size === 0 && event.type === "pointerup") {
      const dx = event.clientX - swipe.x;
      const dy = event.clientY - swipe.y;
      if (Math.abs(dx) > 60 && Math.abs(dx) > 1.5 * Math.abs(dy)) onSwipe?.(dx < 0 ? 1 : -1);
    }
    if (pointers.size === 0) swipe = null;
  };
  frame.addEventListener("pointerup", release);
  frame.addEventListener("pointercancel", release);

  return {
    // A new picture (or video): unzoomed.
    set(next) {
      element = next;
      scale = 1;
      x = y = 0;
      pointers.clear();
      pinch = swipe = null;
      apply();
    },
    zoomBy(factor) {
      zoomTo(scale * factor);
    },
    reset() {
      zoomTo(1);
    },
    get scale() {
      return scale;
    },
  };
}
