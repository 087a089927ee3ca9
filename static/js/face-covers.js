// Round face covers (templates/files/_face_cover.html): the cover photo sized and moved in its
// round frame so that the square around the face shows. Its numbers come in data-crop ("x y
// side width height", in the cover's pixels): the page's Content-Security-Policy allows no
// style attribute. Until placed, the whole photo shows, cut to a circle.
export function placeCovers(root = document) {
  for (const image of root.querySelectorAll(".face-cover.is-cropped img[data-crop]")) {
    const [x, y, side, width, height] = image.dataset.crop.split(" ").map(Number);
    if (!(side > 0)) continue;
    const percent = (value) => `${(value * 100) / side}%`;
    Object.assign(image.style, { width: percent(width), height: percent(height), left: `-${percent(x)}`, top: `-${percent(y)}` });
    image.classList.add("is-placed");
  }
}
