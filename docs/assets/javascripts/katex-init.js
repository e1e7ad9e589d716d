// Typeset the spans and divs that pymdownx.arithmatex (generic mode) leaves in the page.
// Material swaps pages without reloading, so this runs on every page it shows.
function typesetMath(root) {
  root.querySelectorAll(".arithmatex").forEach(function (el) {
    var tex = el.textContent.trim();
    var display = el.tagName === "DIV";
    // arithmatex wraps inline math in \( \) and display math in \[ \].
    tex = tex.replace(/^\\[([]/, "").replace(/\\[)\]]$/, "");
    katex.render(tex, el, { displayMode: display, throwOnError: false });
  });
}

if (typeof document$ !== "undefined") {
  document$.subscribe(function () { typesetMath(document.body); });
} else {
  document.addEventListener("DOMContentLoaded", function () { typesetMath(document.body); });
}
