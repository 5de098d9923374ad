// Behaviour of the pages, kept out of the HTML: the Content-Security-Policy allows no inline script.
"use strict";

// A <select data-submit-on-change> submits its form when a choice is made (the language switcher).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change") && target.form) {
    target.form.submit();
  }
});
