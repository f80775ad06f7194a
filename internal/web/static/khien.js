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
// 5. Pickers: a field with data-suggest offers, as one types, the
// matching items its URL answers (JSON [{value, label}]) in its datalist;
// without the script the field still takes the address as typed.
(function () {
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null, asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === asked) return;
        asked = q;
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            if (q !== asked) return;
            list.textContent = "";
            items.forEach(function (it) {
              var o = document.createElement("option");
              o.value = it.value;
              o.label = it.label;
              list.appendChild(o);
            });
          })
          .catch(function () {});
      }, 200);
    });
  });
})();
// 6. A long list (select[data-search]) gets a search box above it that
// keeps only the options containing what is typed, with or without
// Vietnamese accents.
(function () {
  var fold = function (s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().trim();
  };
  document.querySelectorAll("select[data-search]").forEach(function (sel) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "pick-filter";
    box.setAttribute("aria-label", sel.dataset.search || "Tìm");
    box.placeholder = sel.dataset.search || "";
    sel.parentNode.insertBefore(box, sel);
    box.addEventListener("input", function () {
      var q = fold(box.value), first = null;
      Array.prototype.forEach.call(sel.options, function (o) {
        var keep = !q || o.value === "" || fold(o.text).indexOf(q) >= 0;
        o.hidden = !keep;
        if (keep && o.value !== "" && !first) first = o;
      });
      if (q && first && (sel.selectedIndex < 0 || sel.options[sel.selectedIndex].hidden)) sel.value = first.value;
    });
  });
})();
