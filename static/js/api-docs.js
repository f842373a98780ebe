// The machine API's readable docs (/api/v1/docs/): Swagger UI over the portal's OpenAPI document.
// drf-spectacular's own page starts Swagger UI with an inline script, which the portal's
// Content-Security-Policy forbids; this file does the same from the portal's static files.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: element.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Swagger UI's validator badge calls a server on the internet; the portal has none.
    validatorUrl: null,
    persistAuthorization: false,
  });
})();
