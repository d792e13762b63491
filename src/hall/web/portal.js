/* The demo portal's own script, in a file: hall's pages allow no inline script (CSP). */
(function () {
  "use strict";
  // The portal's search box hands its words to the guide (the demo has no search page).
  document.querySelector("[data-hall-search]").addEventListener("submit", function (event) {
    event.preventDefault();
    var q = event.target.elements.q.value;
    if (window.HallGuide) window.HallGuide.ask(q);
  });
})();
