/* Review page keyboard: 1–5 pick a category, Enter saves and opens the next, N skips. */
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) { return; }
  var radios = form.querySelectorAll("input[name=category]");
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text"))) { return; }
    var key = event.key;
    if (key >= "1" && key <= String(radios.length)) {
      radios[Number(key) - 1].checked = true;
      radios[Number(key) - 1].focus();
      event.preventDefault();
    } else if (key === "Enter") {
      event.preventDefault();
      form.requestSubmit(document.getElementById("review-submit"));
    } else if (key === "n" || key === "N") {
      event.preventDefault();
      form.requestSubmit(document.getElementById("review-skip"));
    }
  });
})();
