// The offcut form: the estimated mass as you type (dimensions x density x quantity, as the
// server computes it), and a preview of the photo just taken. Without JavaScript the form
// works the same; the server estimates the mass on saving.
(function () {
  "use strict";
  var form = document.getElementById("intake");
  if (!form) return;
  var output = document.getElementById("estimate");
  var category = document.getElementById("new-category");
  var fields = ["new-length", "new-width", "new-thickness", "new-quantity", "new-mass"].map(function (id) {
    return document.getElementById(id);
  });
  var lang = output.getAttribute("data-lang") || document.documentElement.lang || "fr";

  function whole(input) {
    var value = input && input.value.trim();
    return /^[0-9]+$/.test(value || "") ? parseInt(value, 10) : null;
  }

  function update() {
    var option = category.options[category.selectedIndex];
    var density = option && option.getAttribute("data-density");
    var l = whole(fields[0]), w = whole(fields[1]), t = whole(fields[2]);
    var q = whole(fields[3]) || 1;
    if (option && option.value && density === "") {
      output.textContent = output.getAttribute("data-weigh");
      return;
    }
    if (!density || !l || !w || !t) {
      output.textContent = output.getAttribute("data-none");
      return;
    }
    // kg/m3 x mm3: 1 m3 = 1e9 mm3
    var kg = (l * w * t * q * parseFloat(density)) / 1e9;
    var digits = kg < 10 ? 3 : kg < 1000 ? 1 : 0;
    output.textContent = new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(kg) + "\u00a0kg";
  }

  category.addEventListener("change", update);
  fields.forEach(function (input) { if (input) input.addEventListener("input", update); });
  update();

  var photo = document.getElementById("new-photo");
  var preview = document.getElementById("photo-preview");
  var previewUrl = null;
  if (photo && preview && window.URL && URL.createObjectURL) {
    photo.addEventListener("change", function () {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      var file = photo.files && photo.files[0];
      if (!file) { preview.hidden = true; return; }
      previewUrl = URL.createObjectURL(file);
      preview.src = previewUrl;
      preview.alt = file.name;
      preview.hidden = false;
    });
  }
})();

// The form's key in the page's address (?k=): going back to this form after saving it opens it
// with the same key, so submitting it again replays the first answer instead of logging twice.
(function () {
  "use strict";
  var form = document.getElementById("intake");
  var key = form && form.querySelector('input[name="_idem"]');
  if (!key || !window.history || !history.replaceState || !window.URL) return;
  var url = new URL(window.location.href);
  if (url.searchParams.get("k") === key.value) return;
  url.searchParams.set("k", key.value);
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
})();
