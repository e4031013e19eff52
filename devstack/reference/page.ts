/** The reference page: Swagger UI (from swagger-ui-dist, served locally) over every function's document. */
export function referencePage(functions: readonly string[]): string {
  const urls = functions.map((name) => ({ name, url: `specs/${name}.json` }));
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>edgemesh API reference</title>
  <link rel="stylesheet" href="assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="assets/favicon-32x32.png">
</head>
<body>
  <div id="reference"></div>
  <script src="assets/swagger-ui-bundle.js"></script>
  <script src="assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      urls: ${JSON.stringify(urls)},
      dom_id: '#reference',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    });
  </script>
</body>
</html>
`;
}
