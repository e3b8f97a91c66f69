/* Import page: show the chosen file's name beside the pt-BR "Escolher arquivo" button. */
(function () {
  "use strict";
  var input = document.querySelector(".import-page input[type=file]");
  var shown = document.querySelector(".import-page .file-chosen");
  if (!input || !shown) { return; }
  input.addEventListener("change", function () {
    shown.textContent = input.files.length ? input.files[0].name : shown.dataset.empty;
  });
})();
