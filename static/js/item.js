// "I used part of it": the rest is worked out as the part used is typed (the larger strip
// left by one straight cut, as the server does when the rest is left empty), until the
// person types the rest themselves. Without JavaScript the server works it out on saving.
(function () {
  "use strict";
  var form = document.querySelector("form.use-part");
  if (!form) return;
  var length = parseInt(form.getAttribute("data-length"), 10);
  var width = parseInt(form.getAttribute("data-width"), 10);
  var used = [form.querySelector("#used-length"), form.querySelector("#used-width")];
  var rest = [form.querySelector("#rest-length"), form.querySelector("#rest-width")];
  var typed = rest[0].value !== "" || rest[1].value !== "";
  rest.forEach(function (input) { input.addEventListener("input", function () { typed = true; }); });

  function restAfterCut(l, w) {
    var pl, pw;
    if (l <= length && w <= width) { pl = l; pw = w; }
    else if (w <= length && l <= width) { pl = w; pw = l; }
    else return null;
    var across = [length - pl, width], along = [length, width - pw];
    var best = across[0] * across[1] > along[0] * along[1] ||
      (across[0] * across[1] === along[0] * along[1] && across[0] >= along[0]) ? across : along;
    if (best[0] * best[1] <= 0) return null;
    return [Math.max(best[0], best[1]), Math.min(best[0], best[1])];
  }

  function update() {
    if (typed) return;
    var l = parseInt(used[0].value, 10), w = parseInt(used[1].value, 10);
    var result = l > 0 && w > 0 ? restAfterCut(l, w) : null;
    rest[0].value = result ? String(result[0]) : "";
    rest[1].value = result ? String(result[1]) : "";
  }
  used.forEach(function (input) { input.addEventListener("input", update); });
})();
