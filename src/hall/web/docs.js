/* /docs: Swagger UI over hall's OpenAPI description, from files hall serves itself (no CDN: it
 * works on an intranet without the internet, and under a CSP that forbids inline scripts). */
(function () {
  "use strict";
  window.addEventListener("load", function () {
    var root = document.getElementById("swagger-ui");
    window.ui = window.SwaggerUIBundle({
      url: root.getAttribute("data-openapi"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  });
})();
