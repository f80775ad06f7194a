// Khiên's only script, loaded from Khiên itself (the CSP allows no other).
// 1. Ask before destructive form submissions.
document.addEventListener("submit", function (ev) {
  var f = ev.target;
  if (f.classList && f.classList.contains("confirm") && !window.confirm(f.dataset.confirm || "?")) {
    ev.preventDefault();
  }
});
// 2. On wide screens the menu is always open; on phones it folds.
(function () {
  var menu = document.querySelector("details.menu");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 900px)");
  var apply = function () { menu.open = wide.matches; };
  apply();
  if (wide.addEventListener) wide.addEventListener("change", apply);
})();
