// The labels form: the "start at position" hint and limit follow the chosen layout.
(function () {
  "use strict";
  var layout = document.getElementById("layout");
  var start = document.getElementById("start");
  if (!layout || !start) return;
  function update() {
    var option = layout.options[layout.selectedIndex];
    var positions = parseInt(option.getAttribute("data-positions"), 10) || 1;
    start.max = String(positions);
    if (parseInt(start.value, 10) > positions) start.value = "1";
  }
  layout.addEventListener("change", update);
  update();
})();
