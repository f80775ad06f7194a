// Khiên's only script, loaded from Khiên itself (the CSP allows no other).
// Every page works without it; it only makes things quicker to use.
// 1. Ask before destructive form submissions.
document.addEventListener("submit", function (ev) {
  var f = ev.target;
  if (f.classList && f.classList.contains("confirm") && !window.confirm(f.dataset.confirm || "?")) {
    ev.preventDefault();
  }
});
// 2. On wide screens the menu is a bar of dropdowns; on phones it folds
// into one button whose groups are all shown.
(function () {
  var menu = document.querySelector("details.menu");
  if (!menu || !window.matchMedia) return;
  var groups = menu.querySelectorAll("details.group");
  var wide = window.matchMedia("(min-width: 900px)");
  var apply = function () {
    menu.open = wide.matches;
    groups.forEach(function (g) { g.open = !wide.matches; });
  };
  apply();
  if (wide.addEventListener) wide.addEventListener("change", apply);
  // One dropdown open at a time; a click elsewhere or Escape closes it.
  var closeOthers = function (keep) {
    if (!wide.matches) return;
    groups.forEach(function (g) { if (g !== keep) g.open = false; });
  };
  groups.forEach(function (g) {
    g.addEventListener("toggle", function () { if (g.open) closeOthers(g); });
  });
  document.addEventListener("click", function (ev) {
    if (!menu.contains(ev.target)) closeOthers(null);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") closeOthers(null);
  });
})();
// 3. "Copy" buttons next to snippets (the badge's HTML and Markdown).
document.addEventListener("click", function (ev) {
  var b = ev.target.closest && ev.target.closest("button[data-copy]");
  if (!b) return;
  var src = document.getElementById(b.dataset.copy);
  if (!src) return;
  src.select();
  if (navigator.clipboard) navigator.clipboard.writeText(src.value);
});
// 4. A page with work in progress (a scan queued or running) reloads
// itself every few seconds until the work is done, while it is in view.
(function () {
  var m = document.querySelector("[data-refresh]");
  if (!m) return;
  var every = (parseInt(m.dataset.refresh, 10) || 5) * 1000;
  var tick = function () {
    if (document.hidden) { setTimeout(tick, every); return; }
    window.location.reload();
  };
  setTimeout(tick, every);
})();
