// The phone header: on a narrow screen the account links and the navigation fold into a
// "Menu" button (the header closed is one 56 px bar instead of 230 to 365 px). Loaded in the
// head so that the page is drawn folded from the start; without JavaScript nothing folds.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var top = document.querySelector("header.top");
    var button = top && top.querySelector(".menu-toggle");
    if (!button) return;
    function set(open) {
      top.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () { set(!top.classList.contains("open")); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && top.classList.contains("open")) { set(false); button.focus(); }
    });
  });
})();
