// Khiên's only script: ask before destructive form submissions.
document.addEventListener("submit", function (ev) {
  var f = ev.target;
  if (f.classList && f.classList.contains("confirm") && !window.confirm(f.dataset.confirm || "?")) {
    ev.preventDefault();
  }
});
